import Basics
import Crypto
import Foundation

/// One read of a file that yields everything an upload needs: the SHA-256 of the whole file
/// (the `sha256` metadata the skip logic compares) and the additional checksum of each part,
/// so the bytes are read once to hash and once to send, not twice to hash.
package struct FileChecksums: Sendable, Equatable {
    package var sha256: String
    package var size: Int64
    /// The length the checksums were computed over (the part size; the file size for one part).
    package var segmentLength: Int64
    package var algorithm: ChecksumAlgorithm?
    /// Base64 checksum of each segment in order (one for an empty file); empty without algorithm.
    package var parts: [String]

    /// Reads `path` once in 1 MiB blocks (pread), hashing the whole and each `segmentLength`
    /// run of bytes. `expectedSize` is the size the segments were planned for; a file that
    /// turns out to have another size gets no part checksums (the upload computes them per
    /// part then).
    /// - Throws: `StorageError.fileSystem` when the file cannot be read.
    package static func compute(
        path: String, expectedSize: Int64, segmentLength: Int64, algorithm: ChecksumAlgorithm?, blockSize: Int = 1 << 20
    ) throws -> FileChecksums {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw StorageError.fileSystem("open", path: path, errno: errno) }
        defer { close(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: blockSize, alignment: 16)
        defer { buffer.deallocate() }
        var whole = SHA256()
        var part = algorithm.map(ChecksumHasher.init)
        var parts: [String] = []
        var inSegment: Int64 = 0
        var total: Int64 = 0
        let segment = max(1, segmentLength)
        while true {
            let count = pread(fd, buffer.baseAddress, blockSize, off_t(total))
            if count < 0 {
                if errno == EINTR { continue }
                throw StorageError.fileSystem("read", path: path, errno: errno)
            }
            if count == 0 { break }
            let block = UnsafeRawBufferPointer(rebasing: buffer[..<count])
            whole.update(bufferPointer: block)
            total += Int64(count)
            guard part != nil else { continue }
            var start = 0
            while start < count {
                let take = Int(min(Int64(count - start), segment - inSegment))
                part!.update(UnsafeRawBufferPointer(rebasing: block[start..<(start + take)]))
                start += take
                inSegment += Int64(take)
                if inSegment == segment, let done = part, let algorithm {
                    parts.append(done.finalize().base64EncodedString())
                    part = ChecksumHasher(algorithm)
                    inSegment = 0
                }
            }
        }
        if let done = part, inSegment > 0 || parts.isEmpty { parts.append(done.finalize().base64EncodedString()) }
        return FileChecksums(
            sha256: hexString(whole.finalize()), size: total, segmentLength: segmentLength,
            algorithm: total == expectedSize ? algorithm : nil, parts: total == expectedSize ? parts : [])
    }

    /// The checksum of `length` bytes of `path` from `offset`, for a part whose checksum the
    /// single pass did not produce (an upload resumed with another part size).
    package static func checksum(
        path: String, offset: Int64, length: Int64, algorithm: ChecksumAlgorithm, blockSize: Int = 1 << 20
    ) throws -> String {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw StorageError.fileSystem("open", path: path, errno: errno) }
        defer { close(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: blockSize, alignment: 16)
        defer { buffer.deallocate() }
        var hasher = ChecksumHasher(algorithm)
        var done: Int64 = 0
        while done < length {
            let count = pread(fd, buffer.baseAddress, Int(min(Int64(blockSize), length - done)), off_t(offset + done))
            if count < 0 {
                if errno == EINTR { continue }
                throw StorageError.fileSystem("read", path: path, errno: errno)
            }
            if count == 0 { throw StorageError.fileSystem("\(path) is shorter than expected (changed while uploading?)") }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            done += Int64(count)
        }
        return hasher.finalize().base64EncodedString()
    }

    /// The size of the file at `path`.
    package static func size(of path: String) throws -> Int64 {
        var info = stat()
        guard stat(path, &info) == 0 else { throw StorageError.fileSystem("stat", path: path, errno: errno) }
        return Int64(info.st_size)
    }
}
