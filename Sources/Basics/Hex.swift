import Crypto
import Foundation

/// Lowercase hex SHA-256 of `data`: cache keys, unique keys, payload hashes, checksums.
package func sha256Hex(_ data: Data) -> String { hexString(SHA256.hash(data: data)) }

/// Lowercase hex of `bytes` (a digest, an HMAC): the one hex encoder of the package.
package func hexString(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(bytes.underestimatedCount * 2)
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: out, as: UTF8.self)
}
