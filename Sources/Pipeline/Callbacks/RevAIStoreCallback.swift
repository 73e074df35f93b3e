import Crypto
import Foundation
import Providers

/// A Rev.ai callback through the job store: a random token per chunk (32 bytes, base64url) in
/// `<public URL>/v1/callbacks/revai/{token}`; the store keeps only its SHA-256, with the job and
/// step. The server's callback route records the call and writes an event, which wakes this
/// waiter in whichever process it runs.
struct RevAIStoreCallback: RevAICallback {
    let url: String
    let tokenHash: String
    let store: any CallbackStore

    /// Registers a fresh token for `step` of `job`.
    /// - Throws: `StoreError` when the store cannot record it.
    static func register(publicURL: String, job: UUID, step: String, store: any CallbackStore) async throws -> RevAIStoreCallback {
        let token = newToken()
        let hash = tokenHash(token)
        try await store.registerCallback(tokenHash: hash, job: job, provider: "revai", step: step)
        var base = publicURL
        while base.hasSuffix("/") { base.removeLast() }
        return RevAIStoreCallback(url: base + "/v1/callbacks/revai/" + token, tokenHash: hash, store: store)
    }

    func wait(timeout: Duration) async throws -> (jobID: String, status: String)? {
        try await store.waitForCallback(tokenHash: tokenHash, timeout: timeout).map { ($0.providerJobID, $0.status) }
    }

    func close() async { try? await store.closeCallback(tokenHash: tokenHash) }

    /// 256 random bits, URL-safe.
    static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// What the store keeps instead of the token (the server hashes the token it receives alike).
    static func tokenHash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// The hash the store keeps for a callback token (used by the server's callback route).
package func callbackTokenHash(_ token: String) -> String { RevAIStoreCallback.tokenHash(token) }
