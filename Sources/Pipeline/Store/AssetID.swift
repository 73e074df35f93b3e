import Crypto
import Foundation

/// Asset ids: the job's id and the first 8 bytes of the SHA-256 of the asset's URI, in
/// base64url. Opaque to clients; they lead to the job, whose tenant is checked, then to its
/// asset, with no table of their own. (In Pipeline: webhook deliveries link to assets too.)
package enum AssetID {
    package static func make(job: UUID, uri: String) -> String {
        let u = job.uuid
        let jobBytes = [u.0, u.1, u.2, u.3, u.4, u.5, u.6, u.7, u.8, u.9, u.10, u.11, u.12, u.13, u.14, u.15]
        return base64URL(Data(jobBytes + uriTag(uri)))
    }

    package static func parse(_ text: String) -> (job: UUID, tag: [UInt8])? {
        guard text.count == 32, let data = fromBase64URL(text), data.count == 24 else { return nil }
        let b = [UInt8](data)
        let job = UUID(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
        return (job, Array(b[16...]))
    }

    package static func uriTag(_ uri: String) -> [UInt8] { Array(SHA256.hash(data: Data(uri.utf8)).prefix(8)) }

    private static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    private static func fromBase64URL(_ text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}
