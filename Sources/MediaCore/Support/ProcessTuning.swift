internal import CFFmpegSupport

/// Process-wide settings for batch media work.
public enum ProcessTuning {
    /// Caps glibc's malloc arenas. Each decode and encode thread would otherwise get its own
    /// arena, and every arena keeps its high-water mark: about 20 MiB of peak RSS for nothing,
    /// since the hot loops hardly allocate. Call before starting work.
    public static func limitMallocArenas(_ count: Int) {
        cffmpeg_limit_malloc_arenas(Int32(count))
    }
}
