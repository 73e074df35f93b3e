import Crypto
import Foundation

/// Signing and verification per the Standard Webhooks specification
/// (https://www.standardwebhooks.com): the secret is `whsec_` and base64 of the key bytes; a
/// message is signed as `v1,` and base64 of HMAC-SHA256 over `"{webhook-id}.{webhook-timestamp}.{body}"`;
/// `webhook-signature` holds one or more space-separated signatures (any valid one passes);
/// the timestamp (Unix seconds) must be within five minutes of now, either way.
enum StandardWebhooks {
    static let tolerance: TimeInterval = 5 * 60
    static let secretPrefix = "whsec_"

    /// Why a request was refused (each is answered 401 with this text; none includes the secret).
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// A new secret: `whsec_` and 32 random bytes in base64.
    static func generateSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        return secretPrefix + Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }).base64EncodedString()
    }

    /// The key bytes of a `whsec_…` secret (the prefix is optional, as the spec's libraries allow).
    static func key(_ secret: String) -> SymmetricKey? {
        let encoded = secret.hasPrefix(secretPrefix) ? String(secret.dropFirst(secretPrefix.count)) : secret
        guard let bytes = Data(base64Encoded: encoded), !bytes.isEmpty else { return nil }
        return SymmetricKey(data: bytes)
    }

    /// The `webhook-signature` value for a message: `v1,<base64>`.
    static func sign(id: String, timestamp: Int64, body: Data, secret: String) -> String? {
        guard let key = key(secret) else { return nil }
        let mac = HMAC<SHA256>.authenticationCode(for: signedContent(id: id, timestamp: timestamp, body: body), using: key)
        return "v1," + Data(mac).base64EncodedString()
    }

    /// Checks a received message. - Throws: `Failure` for a missing header, a timestamp out of
    /// tolerance, or no valid `v1` signature.
    static func verify(id: String?, timestamp: String?, signature: String?, body: Data, secret: String, now: Date = Date()) throws {
        guard let id, !id.isEmpty, let timestamp, let signature else {
            throw Failure(description: "the webhook-id, webhook-timestamp and webhook-signature headers are required")
        }
        guard let seconds = Int64(timestamp) else { throw Failure(description: "webhook-timestamp must be Unix seconds") }
        guard abs(now.timeIntervalSince1970 - Double(seconds)) <= tolerance else {
            throw Failure(description: "webhook-timestamp is more than 5 minutes from the server's time")
        }
        guard let key = key(secret) else { throw Failure(description: "the hook's secret is not usable") }
        let content = signedContent(id: id, timestamp: seconds, body: body)
        for entry in signature.split(separator: " ") {
            let parts = entry.split(separator: ",", maxSplits: 1)
            guard parts.count == 2, parts[0] == "v1", let mac = Data(base64Encoded: String(parts[1])) else { continue }
            // Constant-time comparison (swift-crypto).
            if HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: content, using: key) { return }
        }
        throw Failure(description: "no valid v1 signature in webhook-signature")
    }

    private static func signedContent(id: String, timestamp: Int64, body: Data) -> Data {
        Data("\(id).\(timestamp).".utf8) + body
    }
}
