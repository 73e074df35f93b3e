internal import CFFmpegSupport
import Foundation

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

    /// Asks the kernel to drop the read-only file pages that start-up touched: the code and
    /// metadata of the one `runner` binary (24 MiB resident before any audio is read, measured in
    /// /proc/PID/smaps) and of the shared libraries FFmpeg loads. They are clean, so nothing is
    /// written; pages used again come back one at a time (MADV_RANDOM: no read-ahead around them).
    /// Best effort: whether the kernel drops them depends on its page cache (measured peaks of a
    /// 1-hour chunking job: 54.6 to 62.1 MiB). Writable mappings and anonymous memory are left alone.
    /// - Returns: the kilobytes of mappings advised (0 where the kernel lacks MADV_PAGEOUT).
    @discardableResult
    public static func releaseStartupPages() -> Int {
        guard let maps = try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8) else { return 0 }
        var advised = 0
        for line in maps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            // address perms offset device inode path: file-backed, not writable.
            guard fields.count >= 6, fields[5].hasPrefix("/"), !fields[1].contains("w"),
                  case let range = fields[0].split(separator: "-"), range.count == 2,
                  let start = UInt(range[0], radix: 16), let end = UInt(range[1], radix: 16), end > start,
                  let address = UnsafeMutableRawPointer(bitPattern: start)
            else { continue }
            if cffmpeg_page_out(address, Int(end - start)) == 0 { advised += Int(end - start) / 1024 }
        }
        return advised
    }
}
