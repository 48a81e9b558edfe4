using TokensForge.Core.Data;

namespace TokensForge.Tests.Infrastructure;

internal static class WriterGate
{
    /// <summary>A unit that keeps the writer busy until the gate opens, so whatever is queued meanwhile lands in the next batch.</summary>
    public static async Task<(TaskCompletionSource Gate, Task<int> Blocker)> HoldAsync(WriteTransaction writes)
    {
        var gate = new TaskCompletionSource();
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var blocker = writes.RunAsync(async (_, _) =>
        {
            running.SetResult();
            await gate.Task;
            return Write.Commit(0);
        });
        await running.Task;
        return (gate, blocker);
    }
}
