import Basics
import Crypto
import Foundation
import Testing

@testable import Providers

/// The official SigV4 test suite and the S3 documentation's example signatures, committed as
/// data under `Vectors/` (see each file's `source`).
struct SigV4VectorTests {
    @Test(arguments: SuiteVectors.load().tests)
    func testSuiteCase(_ vector: SuiteVectors.Case) throws {
        let config = SuiteVectors.load().config
        let signer = SigV4Signer(
            credentials: AWSCredentials(accessKeyID: config.accessKeyId, secretAccessKey: config.secretAccessKey),
            region: config.region, service: config.service)
        let request = vector.request
        let query: [(name: String, value: String)] = request.query.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (name: String(parts[0]), value: parts.count > 1 ? String(parts[1]) : "")
        }
        let path = vector.normalize
            ? AWSURIEncoding.genericCanonicalURI(request.path) : AWSURIEncoding.s3CanonicalURI(request.path)
        let payloadHash = hexString(SHA256.hash(data: Data(request.body.utf8)))
        let signed = SigV4Signer.Request(
            method: request.method, canonicalURI: path, query: query,
            headers: request.headers.map { (name: $0[0], value: $0[1]) }, payloadHash: payloadHash)

        let canonical = SigV4Signer.canonicalRequest(signed)
        #expect(canonical == vector.creq)
        let stringToSign = signer.stringToSign(canonicalRequest: canonical, amzDate: config.amzDate)
        #expect(stringToSign == vector.sts)
        let expectedSignature = try #require(vector.authz.components(separatedBy: "Signature=").last)
        #expect(signer.signature(stringToSign: stringToSign, amzDate: config.amzDate) == expectedSignature)
    }

    @Test(arguments: S3Vectors.load().tests)
    func s3ExampleSignature(_ vector: S3Vectors.Case) throws {
        let config = S3Vectors.load().config
        let signer = SigV4Signer(
            credentials: AWSCredentials(accessKeyID: config.accessKeyId, secretAccessKey: config.secretAccessKey),
            region: config.region)
        let endpoint = S3Endpoint(scheme: "https", host: "s3.amazonaws.com", addressing: .virtualHosted)
        let target = endpoint.target(bucket: "examplebucket", key: vector.key)
        #expect(target.hostHeader == config.host)
        let date = try #require(ISO8601DateFormatter().date(from: config.date))
        let headers = signer.signS3(
            method: vector.method, canonicalURI: target.canonicalURI,
            query: vector.query.map { (name: $0[0], value: $0[1]) },
            headers: [(name: "Host", value: target.hostHeader)] + vector.headers.map { (name: $0[0], value: $0[1]) },
            payloadHash: hexString(SHA256.hash(data: Data(vector.body.utf8))), date: date)
        let authorization = try #require(headers.first { $0.name == "Authorization" }?.value)
        #expect(
            authorization == "AWS4-HMAC-SHA256 Credential=\(config.accessKeyId)/20130524/us-east-1/s3/aws4_request, "
                + "SignedHeaders=\(vector.signedHeaders), Signature=\(vector.signature)")
        if let expected = vector.canonicalRequest {
            let signedHeaders = headers.filter { $0.name != "Authorization" }
            let canonical = SigV4Signer.canonicalRequest(
                .init(
                    method: vector.method, canonicalURI: target.canonicalURI, headers: signedHeaders,
                    payloadHash: SigV4Signer.emptyPayloadHash))
            #expect(canonical == expected)
            let stringToSign = signer.stringToSign(canonicalRequest: canonical, amzDate: "20130524T000000Z")
            #expect(stringToSign.hasSuffix("\n" + (vector.stringToSignHash ?? "")))
        }
    }

    @Test func sessionTokenIsSentAndSigned() {
        let signer = SigV4Signer(
            credentials: AWSCredentials(accessKeyID: "AKID", secretAccessKey: "secret", sessionToken: "token/+="),
            region: "eu-west-3")
        let headers = signer.signS3(
            method: "GET", canonicalURI: "/b/k", query: [], headers: [(name: "Host", value: "h")],
            payloadHash: SigV4Signer.unsignedPayload, date: Date(timeIntervalSince1970: 0))
        #expect(headers.contains { $0.name == "x-amz-security-token" && $0.value == "token/+=" })
        let authorization = headers.first { $0.name == "Authorization" }?.value ?? ""
        #expect(authorization.contains("Credential=AKID/19700101/eu-west-3/s3/aws4_request"))
        #expect(authorization.contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,"))
        #expect(headers.contains { $0.name == "x-amz-content-sha256" && $0.value == "UNSIGNED-PAYLOAD" })
    }

    @Test func hopByHopHeadersAreNotSigned() {
        let signer = SigV4Signer(credentials: AWSCredentials(accessKeyID: "A", secretAccessKey: "S"), region: "us-east-1")
        let headers = signer.signS3(
            method: "PUT", canonicalURI: "/b/k", query: [],
            headers: [
                (name: "Host", value: "h"), (name: "Expect", value: "100-continue"), (name: "Content-Length", value: "3"),
                (name: "User-Agent", value: "curl"), (name: "Content-Type", value: "audio/mpeg"),
            ],
            payloadHash: SigV4Signer.emptyPayloadHash, date: Date(timeIntervalSince1970: 0))
        let authorization = headers.first { $0.name == "Authorization" }?.value ?? ""
        #expect(authorization.contains("SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date,"))
    }

    @Test(arguments: [
        ("a b/ü.txt", "/bucket/a%20b/%C3%BC.txt"),
        ("日本語/ファイル.mp3", "/bucket/%E6%97%A5%E6%9C%AC%E8%AA%9E/%E3%83%95%E3%82%A1%E3%82%A4%E3%83%AB.mp3"),
        ("x+y$z=1&2.txt", "/bucket/x%2By%24z%3D1%262.txt"),
        ("keep-_.~", "/bucket/keep-_.~"),
    ])
    func s3KeysAreEncodedOnceKeepingSlashes(key: String, canonical: String) {
        let target = S3Endpoint(scheme: "http", host: "127.0.0.1", port: 9000, addressing: .path)
            .target(bucket: "bucket", key: key)
        #expect(target.canonicalURI == canonical)
        #expect(target.url == "http://127.0.0.1:9000" + canonical)
        #expect(target.hostHeader == "127.0.0.1:9000")
    }

    @Test func amzDateIsUTC() {
        #expect(SigV4Signer.amzDate(Date(timeIntervalSince1970: 1_369_353_600)) == "20130524T000000Z")
        #expect(SigV4Signer.amzDate(Date(timeIntervalSince1970: 1_440_938_160.9)) == "20150830T123600Z")
    }
}
