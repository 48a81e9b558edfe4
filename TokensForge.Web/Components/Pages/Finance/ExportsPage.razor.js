// Downloads a CSV export with progress: reads the streamed response chunk by chunk, reports bytes and rows
// (line breaks after the header) to the page, then saves the file under the server's name.
export async function download(url, fallbackName, page) {
    const response = await fetch(url, { credentials: 'same-origin', headers: { 'Accept': 'text/csv' } });
    if (!response.ok) {
        let message = response.statusText;
        try { const body = await response.json(); message = body.message ?? body.error ?? message; } catch { }
        return { ok: false, status: response.status, message, bytes: 0, rows: 0, fileName: null };
    }

    const reader = response.body.getReader();
    const chunks = [];
    let bytes = 0, lines = 0, reported = 0;
    for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        bytes += value.length;
        for (let i = 0; i < value.length; i++) if (value[i] === 10) lines++;
        const now = performance.now();
        if (now - reported > 200) {
            reported = now;
            await page.invokeMethodAsync('OnProgress', bytes, Math.max(lines - 1, 0));
        }
    }
    const rows = Math.max(lines - 1, 0);
    await page.invokeMethodAsync('OnProgress', bytes, rows);

    const disposition = response.headers.get('Content-Disposition') ?? '';
    const match = /filename="?([^";]+)"?/i.exec(disposition);
    const fileName = match ? match[1] : fallbackName;
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob(chunks, { type: 'text/csv;charset=utf-8' }));
    link.download = fileName;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
    return { ok: true, status: response.status, message: null, bytes, rows, fileName };
}
