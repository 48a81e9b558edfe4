// Saves a CSV the server streamed over the circuit under the given name.
export async function save(fileName, streamRef) {
    const buffer = await streamRef.arrayBuffer();
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([buffer], { type: 'text/csv;charset=utf-8' }));
    link.download = fileName;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
}
