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
