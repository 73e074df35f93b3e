import Crypto
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import Service

/// With an S3 output store, big files skip the server both ways: a presigned PUT URL for
/// uploads, a redirect to a presigned GET URL for downloads. Against moto with signature checks.
@Suite struct PresignedS3Tests {
    private static func bucket() throws -> String {
        let env = ProcessInfo.processInfo.environment
        guard let bucket = env["S3_TEST_BUCKET"], env["AWS_ENDPOINT_URL"] != nil else {
            Issue.record("S3_TEST_BUCKET/AWS_ENDPOINT_URL unset: run through scripts/test.sh, which starts moto_server")
            throw CocoaError(.fileNoSuchFile)
        }
        return bucket
    }

    @Test func aFileSentToItsPresignedURLIsRecordedAndATamperedURLIsRefused() async throws {
        let server = try await TestServer.start(.sqlite, output: "s3://\(try Self.bucket())/presign-\(UUID().uuidString.prefix(8))")
        let key = try await server.key(tenant: "acme")
        let session = try #require(try await server.request("POST", "/v1/uploads", key: key, json: [:]).object()["id"] as? String)
        let bytes = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let sha256 = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()

        let presigned = try await server.request("POST", "/v1/uploads/\(session)/files/talk.wav/presign", key: key,
                                                 json: ["bytes": bytes.count, "sha256": sha256])
        #expect(presigned.status == 200, "\(presigned.text)")
        let answer = try presigned.object()
        let url = try #require(answer["url"] as? String)
        let headers = try #require(answer["headers"] as? [String: String])
        #expect(url.contains("X-Amz-Signature=") && !url.contains(ProcessInfo.processInfo.environment["AWS_SECRET_ACCESS_KEY"] ?? "-"))
        #expect(headers["x-amz-meta-sha256"] == sha256 && headers["content-type"] == "audio/wav")

        // Completing before the bytes are there is a clear 409.
        #expect(try await server.request("POST", "/v1/uploads/\(session)/files/talk.wav/complete", key: key).status == 409)

        // A changed signature, or a header that differs from the signed one, is refused by S3 itself.
        let tampered = url.replacingOccurrences(of: #"X-Amz-Signature=[0-9a-f]{4}"#, with: "X-Amz-Signature=0000", options: .regularExpression)
        #expect(try await put(tampered, bytes, headers) == 403)
        var wrongHash = headers
        wrongHash["x-amz-meta-sha256"] = String(repeating: "0", count: 64)
        #expect(try await put(url, bytes, wrongHash) == 403)

        #expect(try await put(url, bytes, headers) == 200)
        let completed = try await server.request("POST", "/v1/uploads/\(session)/files/talk.wav/complete", key: key)
        #expect(completed.status == 201, "\(completed.text)")
        let file = try completed.object()
        #expect(file["bytes"] as? Int == bytes.count && file["sha256"] as? String == sha256)
        let listed = try await server.request("GET", "/v1/uploads/\(session)", key: key).object()
        let files = try #require(listed["files"] as? [[String: Any]])
        #expect(files.map { $0["name"] as? String } == ["talk.wav"])

        // Another tenant cannot presign into this session.
        let other = try await server.key(tenant: "other")
        #expect(try await server.request("POST", "/v1/uploads/\(session)/files/x.wav/presign", key: other, json: [:]).status == 404)
        await server.stop()
    }

    @Test func aLocalStoreHasNoPresignedURLs() async throws {
        let server = try await TestServer.start(.sqlite)
        let key = try await server.key(tenant: "acme")
        let session = try #require(try await server.request("POST", "/v1/uploads", key: key, json: [:]).object()["id"] as? String)
        let answer = try await server.request("POST", "/v1/uploads/\(session)/files/a.wav/presign", key: key, json: [:])
        let code = try answer.object()["code"] as? String
        #expect(answer.status == 409 && code == "presign_unavailable", "\(answer.text)")
        await server.stop()
    }

    @Test func anAssetInS3IsARedirectToAPresignedURLThatServesRanges() async throws {
        let server = try await TestServer.start(.sqlite, output: "s3://\(try Self.bucket())/assets-\(UUID().uuidString.prefix(8))")
        let key = try await server.key(tenant: "acme")
        let posted = try await server.request("POST", "/v1/jobs", key: key,
                                              json: ["workflow": "narrate", "input": ["text": "A short text read aloud for the download test."]])
        let id = try #require(try posted.object()["id"] as? String)
        let job = try await server.waitForJob(id, key: key)
        #expect(job["status"] as? String == "succeeded", "\(job)")
        let assets = try #require(job["assets"] as? [[String: Any]])
        let audio = try #require(assets.first { ($0["content_type"] as? String) == "audio/mpeg" }, "\(assets)")
        let assetID = try #require(audio["id"] as? String)
        let size = try #require(audio["bytes"] as? Int)

        let (status, location) = try await headWithoutRedirect(server.base + "/v1/assets/\(assetID)/content", key: key)
        #expect(status == 302)
        let url = try #require(location)
        #expect(url.contains("X-Amz-Signature=") && !url.contains(key))
        var range = URLRequest(url: URL(string: url)!)
        range.setValue("bytes=100-199", forHTTPHeaderField: "Range")
        let (part, partResponse) = try await URLSession.shared.data(for: range)
        #expect((partResponse as? HTTPURLResponse)?.statusCode == 206 && part.count == 100)
        let (whole, _) = try await URLSession.shared.data(from: URL(string: url)!)
        #expect(whole.count == size && whole.subdata(in: 100..<200) == part)
        #expect(SHA256.hash(data: whole).map { String(format: "%02x", $0) }.joined() == audio["sha256"] as? String)
        await server.stop()
    }

    private func put(_ url: String, _ body: Data, _ headers: [String: String]) async throws -> Int {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = "PUT"
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (_, response) = try await URLSession.shared.upload(for: request, from: body)
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }

    private func headWithoutRedirect(_ url: String, key: String) async throws -> (Int, String?) {
        var request = URLRequest(url: URL(string: url)!)
        request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
        let session = URLSession(configuration: .ephemeral, delegate: NoRedirects(), delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        let (_, response) = try await session.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        return (http.statusCode, http.value(forHTTPHeaderField: "Location"))
    }
}
