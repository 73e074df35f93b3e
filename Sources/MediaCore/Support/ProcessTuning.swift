internal import CFFmpegSupport

/// Process-wide settings for batch media work.
public enum ProcessTuning {
    /// Caps glibc's malloc arenas. Each decode and encode thread would otherwise get its own
    /// arena, and every arena keeps its high-water mark: about 20 MiB of peak RSS for nothing,
    /// since the hot loops hardly allocate. Call before starting work.
    public static func limitMallocArenas(_ count: Int) {
        cffmpeg_limit_malloc_arenas(Int32(count))
        // Large buffers (FFmpeg's frame pools, our blocks) freed by one stage are not kept as heap
        // high-water mark either: allocations over 128 KiB are mapped and unmapped, and free memory
        // above 128 KiB at the heap's top is given back.
        cffmpeg_limit_malloc_retention(128 << 10)
    }
}
