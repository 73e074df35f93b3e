import Foundation
import Testing
@testable import Pipeline
@testable import Service

/// The server's Standard Webhooks signer and verifier against the specification's published
/// example (secret, id, timestamp, body → signature), and the cases a receiver must refuse.
@Suite struct StandardWebhooksTests {
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let id = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    static let timestamp: Int64 = 1_614_265_330
    static let body = Data(#"{"test": 2432232314}"#.utf8)
    static let signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    static let then = Date(timeIntervalSince1970: TimeInterval(timestamp))

    @Test func signsTheSpecificationsExample() {
        #expect(WebhookSignature.sign(id: Self.id, timestamp: Self.timestamp, body: Self.body, secret: Self.secret) == Self.signature)
    }

    @Test func acceptsAValidSignatureAmongOthers() throws {
        try WebhookSignature.verify(id: Self.id, timestamp: String(Self.timestamp), signature: Self.signature, body: Self.body,
                                    secret: Self.secret, now: Self.then.addingTimeInterval(299))
        try WebhookSignature.verify(id: Self.id, timestamp: String(Self.timestamp),
                                    signature: "v1,Zm9vYmFy v2,abc " + Self.signature, body: Self.body, secret: Self.secret, now: Self.then)
    }

    @Test(arguments: [
        ("stale", 301.0, "msg_p5jXN8AQM9LWM0D4loKWxJek", #"{"test": 2432232314}"#, "more than 5 minutes"),
        ("future", -301.0, "msg_p5jXN8AQM9LWM0D4loKWxJek", #"{"test": 2432232314}"#, "more than 5 minutes"),
        ("other id", 0.0, "msg_other", #"{"test": 2432232314}"#, "no valid v1 signature"),
        ("other body", 0.0, "msg_p5jXN8AQM9LWM0D4loKWxJek", #"{"test": 2432232315}"#, "no valid v1 signature"),
    ])
    func refuses(_ name: String, _ skew: Double, _ id: String, _ body: String, _ reason: String) {
        #expect {
            try WebhookSignature.verify(id: id, timestamp: String(Self.timestamp), signature: Self.signature, body: Data(body.utf8),
                                        secret: Self.secret, now: Self.then.addingTimeInterval(skew))
        } throws: { error in
            String(describing: error).contains(reason)
        }
    }

    @Test func refusesMissingHeadersAndOtherVersions() {
        #expect(throws: WebhookSignature.Failure.self) {
            try WebhookSignature.verify(id: nil, timestamp: String(Self.timestamp), signature: Self.signature, body: Self.body,
                                        secret: Self.secret, now: Self.then)
        }
        #expect(throws: WebhookSignature.Failure.self) {
            try WebhookSignature.verify(id: Self.id, timestamp: String(Self.timestamp), signature: "v2," + Self.signature.dropFirst(3),
                                        body: Self.body, secret: Self.secret, now: Self.then)
        }
    }

    @Test func generatedSecretsAreThirtyTwoRandomBytes() throws {
        let a = WebhookSignature.newSecret()
        let b = WebhookSignature.newSecret()
        #expect(a != b)
        #expect(a.hasPrefix("whsec_"))
        #expect(Data(base64Encoded: String(a.dropFirst(6)))?.count == 32)
    }
}
