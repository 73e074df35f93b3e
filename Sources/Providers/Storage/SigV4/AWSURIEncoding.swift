/// Percent-encoding as SigV4 defines it: the RFC 3986 unreserved characters
/// (`A-Z a-z 0-9 - _ . ~`) stay, every other byte of the UTF-8 form becomes `%XX` (uppercase).
package enum AWSURIEncoding {
    /// Encodes `text`; `/` is kept when `keepSlash` is true (S3 object paths) and encoded
    /// otherwise (query names and values).
    package static func encode(_ text: String, keepSlash: Bool) -> String {
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if isUnreserved(byte) || (keepSlash && byte == UInt8(ascii: "/")) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The canonical URI of an S3 object path: each segment encoded once, `/` kept, no
    /// normalisation of `.`/`..` or `//` (S3 signs the path as sent); an empty path is `/`.
    package static func s3CanonicalURI(_ path: String) -> String {
        path.isEmpty ? "/" : encode(path, keepSlash: true)
    }

    /// The canonical URI for services other than S3: `.`/`..` segments resolved and repeated
    /// slashes collapsed before encoding (the generic test suite's `normalize` cases).
    package static func genericCanonicalURI(_ path: String) -> String {
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            if segment == "." { continue }
            if segment == ".." {
                _ = segments.popLast()
                continue
            }
            segments.append(segment)
        }
        let keepsTrailingSlash = path.hasSuffix("/") && !segments.isEmpty
        let joined = "/" + segments.joined(separator: "/") + (keepsTrailingSlash ? "/" : "")
        return encode(joined, keepSlash: true)
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)
}
