import Basics
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Pipeline
import Providers

extension APIServer {
    var uploadRoutes: [APIRoute] {
        [
            APIRoute(.post, "/v1/uploads", .write) { request, context in
                let data = try await requestBody(request, limit: 64 * 1024)
                let object = data.isEmpty ? [:] : (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
                guard let object else { throw Problem.badRequest("the body must be a JSON object") }
                let known: Set<String> = ["expected_files", "total_bytes"]
                if let unknown = Set(object.keys).subtracting(known).sorted().first {
                    throw Problem.invalid("\(unknown): unknown field (known: expected_files, total_bytes)")
                }
                let files = try Self.count(object["expected_files"], "expected_files", max: 10_000)
                let bytes = try Self.count(object["total_bytes"], "total_bytes", max: Int(Int64.max / 2))
                let session = try await store.createUploadSession(tenant: try context.caller.tenant, expectedFiles: files,
                                                                  expectedBytes: bytes.map(Int64.init))
                return try JSONResponse.make(Views.uploadSession(session), status: .created,
                                             headers: [.location: "/v1/uploads/\(Views.id(session.id))"])
            },
            APIRoute(.get, "/v1/uploads/{id}", .read) { _, context in
                try JSONResponse.make(Views.uploadSession(try await ownedSession(context)))
            },
            APIRoute(.delete, "/v1/uploads/{id}", .write) { _, context in
                let session = try await ownedSession(context)
                for file in session.files { try await storage.delete(key: file.key) }
                try await store.deleteUploadSession(session.id, tenant: session.tenant)
                return JSONResponse.noContent()
            },
            APIRoute(.put, "/v1/uploads/{id}/files/{name}", .write) { request, context in
                try await putFile(request, context)
            },
            APIRoute(.post, "/v1/uploads/{id}/files/{name}/presign", .write) { request, context in
                try await presignFile(request, context)
            },
            APIRoute(.post, "/v1/uploads/{id}/files/{name}/complete", .write) { _, context in
                try await completeFile(context)
            },
        ]
    }

    /// The session and the file name of a `/v1/uploads/{id}/files/{name}…` request.
    private func sessionFile(_ context: APIContext) async throws -> (session: UploadSession, name: String, key: String) {
        let session = try await ownedSession(context)
        let raw = context.parameters.get("name") ?? ""
        let name = raw.removingPercentEncoding ?? raw
        guard JobRequest.validName(name) else {
            throw Problem.invalid("name: \(name.debugDescription) is not a plain file name (no slashes or control characters)")
        }
        return (session, name, "uploads/\(Views.id(session.id))/\(name)")
    }

    /// A presigned S3 PUT URL for one file, so a big file goes from the client straight to the
    /// bucket; `complete` then records it. The body may declare `bytes` (checked at `complete`),
    /// `sha256` (hex; stored as the object's `x-amz-meta-sha256`, which the URL signs, so the
    /// client must send that header) and `content_type` (likewise signed as `Content-Type`).
    private func presignFile(_ request: Request, _ context: APIContext) async throws -> Response {
        let (_, name, key) = try await sessionFile(context)
        let data = try await requestBody(request, limit: 16 * 1024)
        guard let object = data.isEmpty ? [:] : (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw Problem.badRequest("the body must be a JSON object")
        }
        if let unknown = Set(object.keys).subtracting(["bytes", "sha256", "content_type"]).sorted().first {
            throw Problem.invalid("\(unknown): unknown field (known: bytes, sha256, content_type)")
        }
        if let bytes = try Self.count(object["bytes"], "bytes", max: Int(Int64.max / 2)), Int64(bytes) > configuration.maxUploadBytes {
            throw Problem(.contentTooLarge, "too_large", "\(name) is \(bytes) bytes; the limit is \(configuration.maxUploadBytes)")
        }
        var headers: [(name: String, value: String)] = []
        let contentType = (object["content_type"] as? String) ?? ContentType.forPath(name)
        guard contentType.count <= 200, contentType.allSatisfy({ $0.isASCII && !$0.isNewline }) else {
            throw Problem.invalid("content_type: not a media type")
        }
        headers.append(("content-type", contentType))
        if let sha256 = object["sha256"] {
            guard let hex = sha256 as? String, hex.count == 64, hex.allSatisfy(\.isHexDigit) else {
                throw Problem.invalid("sha256: must be 64 hexadecimal characters")
            }
            headers.append(("x-amz-meta-sha256", hex.lowercased()))
        }
        let lifetime = configuration.presignedLifetime
        guard let url = try storage.presignedURL(method: "PUT", key: key, headers: headers, expires: lifetime) else {
            throw Problem(.conflict, "presign_unavailable",
                          "the output store is a local folder, which has no direct upload URLs: PUT the file to this API instead")
        }
        return try JSONResponse.make([
            "method": "PUT", "url": url,
            "headers": Dictionary(headers.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first }),
            "expires_at": Views.time(Date().addingTimeInterval(Double(lifetime.components.seconds))),
        ])
    }

    /// Records a file sent with a presigned URL: its size and type from the bucket (HEAD).
    private func completeFile(_ context: APIContext) async throws -> Response {
        let (session, name, key) = try await sessionFile(context)
        guard let info = try await storage.head(key: key) else {
            throw Problem(.conflict, "not_uploaded", "\(name) is not in the bucket: PUT it to the presigned URL first")
        }
        guard info.size <= configuration.maxUploadBytes else {
            try? await storage.delete(key: key)
            throw Problem(.contentTooLarge, "too_large", "\(name) is \(info.size) bytes; the limit is \(configuration.maxUploadBytes)")
        }
        let sha256 = info.metadata[ObjectKey.sha256MetadataName] ?? ""
        if let existing = session.files.first(where: { $0.name == name }), existing.sha256 == sha256, existing.bytes == info.size {
            return try JSONResponse.make(["name": name, "bytes": info.size, "sha256": sha256, "unchanged": true])
        }
        let contentType = info.contentType ?? ContentType.forPath(name)
        try await store.recordUploadFile(session: session.id, UploadFile(name: name, key: key, bytes: info.size, sha256: sha256,
                                                                         contentType: contentType))
        return try JSONResponse.make(["name": name, "bytes": info.size, "sha256": sha256, "unchanged": false], status: .created)
    }

    private static func count(_ value: Any?, _ name: String, max: Int) throws -> Int? {
        guard let value, !(value is NSNull) else { return nil }
        guard let number = value as? NSNumber, let int = Int(exactly: number.doubleValue), (0...max).contains(int) else {
            throw Problem.invalid("\(name): must be a whole number from 0 to \(max)")
        }
        return int
    }

    private func ownedSession(_ context: APIContext) async throws -> UploadSession {
        let text = context.parameters.get("id") ?? ""
        guard let id = UUID(uuidString: text), let session = try await store.uploadSession(id, tenant: try context.caller.tenant) else {
            throw Problem.notFound("upload session \(text)")
        }
        return session
    }

    /// Streams the body to a scratch file (never whole in memory), hashing and counting on the
    /// way, then stores it under `uploads/<session>/<name>`. The same bytes again change nothing.
    private func putFile(_ request: Request, _ context: APIContext) async throws -> Response {
        let (session, name, key) = try await sessionFile(context)
        if let declared = request.headers[.contentLength].flatMap(Int64.init), declared > configuration.maxUploadBytes {
            throw Problem(.contentTooLarge, "too_large", "\(name) is \(declared) bytes; the limit is \(configuration.maxUploadBytes)")
        }
        let scratch = configuration.scratch + "/upload-" + UUID().uuidString
        guard FileManager.default.createFile(atPath: scratch, contents: nil, attributes: [.posixPermissions: 0o600]),
              let handle = FileHandle(forWritingAtPath: scratch)
        else { throw Problem(.internalServerError, "scratch", "the server cannot write its scratch folder") }
        defer { unlink(scratch) }
        var hasher = SHA256()
        var bytes: Int64 = 0
        do {
            defer { try? handle.close() }
            for try await buffer in request.body {
                bytes += Int64(buffer.readableBytes)
                guard bytes <= configuration.maxUploadBytes else {
                    throw Problem(.contentTooLarge, "too_large", "\(name) is larger than the limit of \(configuration.maxUploadBytes) bytes")
                }
                let data = Data(buffer.readableBytesView)
                hasher.update(data: data)
                try await blockingRead { try handle.write(contentsOf: data) }
            }
        }
        let sha256 = hexString(hasher.finalize())
        if let existing = session.files.first(where: { $0.name == name }), existing.sha256 == sha256, existing.bytes == bytes {
            return try JSONResponse.make(["name": name, "bytes": bytes, "sha256": sha256, "unchanged": true])
        }
        let contentType = request.headers[.contentType].flatMap { $0.isEmpty || $0 == "application/octet-stream" ? nil : $0 }
            ?? ContentType.forPath(name)
        _ = try await storage.put(file: scratch, key: key, options: PutOptions(contentType: contentType))
        do {
            try await store.recordUploadFile(session: session.id, UploadFile(name: name, key: key, bytes: bytes, sha256: sha256,
                                                                             contentType: contentType))
        } catch {
            // The session was deleted while the body streamed (its files row then has no
            // session): that is a 404, and the object just stored belongs to nobody.
            guard try await store.uploadSession(session.id, tenant: session.tenant) == nil else { throw error }
            try? await storage.delete(key: key)
            throw Problem.notFound("upload session \(Views.id(session.id))")
        }
        return try JSONResponse.make(["name": name, "bytes": bytes, "sha256": sha256, "unchanged": false], status: .created)
    }
}
