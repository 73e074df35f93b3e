import Basics
import Crypto
import Foundation

/// S3's additional checksum algorithms that the S3 store can send (`x-amz-checksum-algorithm`
/// at CreateMultipartUpload, `x-amz-checksum-<name>` with each part and single PUT). The raw
/// value is S3's spelling.
package enum ChecksumAlgorithm: String, Sendable, Codable, CaseIterable {
    case crc32c = "CRC32C"
    case crc32 = "CRC32"
    case sha256 = "SHA256"

    /// `x-amz-checksum-crc32c` and so on.
    package var headerName: String { "x-amz-checksum-\(rawValue.lowercased())" }

    /// `ChecksumCRC32C` and so on (CompleteMultipartUpload, ListParts, Complete's answer).
    package var xmlElement: String { "Checksum\(rawValue)" }

    /// Parses `CRC32C`, `crc32`, `sha256`… (case-insensitive).
    package init?(name: String) {
        guard let algorithm = Self.allCases.first(where: { $0.rawValue.caseInsensitiveCompare(name) == .orderedSame })
        else { return nil }
        self = algorithm
    }

    /// The checksum of `bytes`, base64 as S3 sends it.
    package func checksum(of bytes: Data) -> String {
        var hasher = ChecksumHasher(self)
        bytes.withUnsafeBytes { hasher.update($0) }
        return hasher.finalize().base64EncodedString()
    }

    /// The composite checksum of a multipart object as S3 computes it: the checksum of the
    /// parts' raw checksums concatenated in part order, then `-<number of parts>`.
    /// - Parameter parts: base64 part checksums in part order.
    /// - Returns: nil when a part checksum is not valid base64.
    package func composite(ofParts parts: [String]) -> String? {
        var raw = Data()
        for part in parts {
            guard let bytes = Data(base64Encoded: part) else { return nil }
            raw.append(bytes)
        }
        return "\(checksum(of: raw))-\(parts.count)"
    }
}

/// A running checksum of one algorithm.
package struct ChecksumHasher {
    private enum State {
        case crc(CRC32)
        case sha256(SHA256)
    }

    private var state: State

    package init(_ algorithm: ChecksumAlgorithm) {
        switch algorithm {
        case .crc32c: state = .crc(CRC32(.crc32c))
        case .crc32: state = .crc(CRC32(.crc32))
        case .sha256: state = .sha256(SHA256())
        }
    }

    package mutating func update(_ buffer: UnsafeRawBufferPointer) {
        switch state {
        case .crc(var crc):
            crc.update(buffer)
            state = .crc(crc)
        case .sha256(var hasher):
            hasher.update(bufferPointer: buffer)
            state = .sha256(hasher)
        }
    }

    /// The raw checksum: four big-endian bytes for the CRCs, 32 for SHA-256.
    package func finalize() -> Data {
        switch state {
        case .crc(let crc): Data(crc.bigEndianBytes)
        case .sha256(let hasher): Data(hasher.finalize())
        }
    }
}

/// A checksum S3 keeps for an object, as it reports it (`value` ends in `-N` for a multipart
/// object's composite checksum).
package struct ObjectChecksum: Sendable, Equatable, Codable {
    package var algorithm: ChecksumAlgorithm
    package var value: String
    /// True when the server reported this value back (in CompleteMultipartUpload's answer or a
    /// HeadObject with `x-amz-checksum-mode: ENABLED`) and it matched the one computed here;
    /// false when the server only accepted what was sent (single PUTs: S3 refuses a mismatch
    /// with `BadDigest`) or reported nothing.
    package var confirmed: Bool

    package init(algorithm: ChecksumAlgorithm, value: String, confirmed: Bool) {
        self.algorithm = algorithm
        self.value = value
        self.confirmed = confirmed
    }
}

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
