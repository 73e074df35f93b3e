import Crypto
import Foundation

/// SHA-256 of a file, read in blocks so memory stays flat.
/// - Throws: `MediaError.io` naming the file.
package func sha256Hex(ofFile path: String) throws -> (hex: String, bytes: Int64) {
    guard let handle = FileHandle(forReadingAtPath: path) else {
        throw MediaError(.io, path: path, reason: "cannot open for reading")
    }
    defer { try? handle.close() }
    var hasher = SHA256()
    var total: Int64 = 0
    while true {
        let block: Data
        do { block = try handle.read(upToCount: 1 << 20) ?? Data() } catch {
            throw MediaError(.io, path: path, reason: "read failed: \(error.localizedDescription)")
        }
        if block.isEmpty { break }
        hasher.update(data: block)
        total += Int64(block.count)
    }
    return (hasher.finalize().map { String(format: "%02x", $0) }.joined(), total)
}
