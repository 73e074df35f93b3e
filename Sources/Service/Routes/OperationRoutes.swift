import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Pipeline
import Prometheus

extension APIServer {
    var operationRoutes: [APIRoute] {
        [
            APIRoute(.get, "/healthz", .open) { _, _ in try JSONResponse.make(["status": "ok"]) },
            APIRoute(.get, "/readyz", .open) { _, _ in
                let current: Bool
                do {
                    current = try await store.schemaIsCurrent()
                } catch {
                    throw Problem(.serviceUnavailable, "unavailable", "the job store cannot be reached", headers: [.retryAfter: "5"])
                }
                guard current else {
                    throw Problem(.serviceUnavailable, "schema_behind", "the database schema is older than this server (run runner migrate)",
                                  headers: [.retryAfter: "30"])
                }
                return try JSONResponse.make(["status": "ready"])
            },
            APIRoute(.get, "/metrics", .open) { _, _ in
                Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                         body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
            },
            APIRoute(.get, "/openapi.yaml", .open) { _, _ in
                Response(status: .ok, headers: [.contentType: "application/yaml"],
                         body: .init(byteBuffer: ByteBuffer(bytes: PackageResources.openapi_yaml)))
            },
        ]
    }
}
