import Foundation
import Logging
import Prometheus
import Providers
import Testing
@testable import Pipeline
@testable import Service

/// The OpenAPI document served at `/openapi.yaml` and the routes the server serves are the same
/// set: every route is documented, every documented operation is served, and the routes open to
/// anyone are exactly those the document marks `security: []`.
@Suite struct OpenAPIContractTests {
    /// The document's operations, read with simple line parsing (no YAML package): paths are the
    /// keys indented 2 under `paths:`, methods the keys indented 4 under a path, and an
    /// operation is open when a line `security: []` is indented 6 under its method.
    struct Operation: Hashable, CustomStringConvertible {
        let method: String
        let path: String
        var description: String { "\(method) \(path)" }
    }

    static func documentedOperations(_ text: String) -> (all: Set<Operation>, open: Set<Operation>) {
        let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]
        var all = Set<Operation>()
        var open = Set<Operation>()
        var inPaths = false
        var path: String?
        var operation: Operation?
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.hasSuffix("\r") ? String(raw.dropLast()) : String(raw)
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let indent = line.prefix(while: { $0 == " " }).count
            if indent == 0 {
                inPaths = trimmed == "paths:"
                path = nil
                operation = nil
                continue
            }
            guard inPaths else { continue }
            if indent == 2, trimmed.hasSuffix(":") {
                path = String(trimmed.dropLast()).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
                operation = nil
            } else if indent == 4, let path, trimmed.hasSuffix(":"), methods.contains(String(trimmed.dropLast())) {
                let found = Operation(method: String(trimmed.dropLast()).uppercased(), path: path)
                all.insert(found)
                operation = found
            } else if indent == 4 {
                operation = nil
            } else if indent == 6, let operation, trimmed.replacingOccurrences(of: " ", with: "") == "security:[]" {
                open.insert(operation)
            }
        }
        return (all, open)
    }

    /// An APIServer over a fresh SQLite store and a local object store in a temporary folder.
    static func withServer(_ body: (APIServer) throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("openapi-contract-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try await openServiceStore(url: "sqlite:" + folder.appendingPathComponent("state.sqlite").path)
        do {
            let storage = try LocalStorage(root: folder.appendingPathComponent("out").path)
            let server = APIServer(store: store, storage: storage, configuration: ServiceConfiguration(),
                                   registry: PrometheusCollectorRegistry(), logger: Logger(label: "openapi-contract"))
            try body(server)
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    /// An entry of `APIServer.routeList`, `METHOD /path`.
    static func operation(_ entry: String) -> Operation {
        let parts = entry.split(separator: " ", maxSplits: 1)
        return Operation(method: String(parts[0]), path: parts.count > 1 ? String(parts[1]) : "")
    }

    static var document: String { String(decoding: PackageResources.openapi_yaml, as: UTF8.self) }

    @Test func theParserReadsPathsMethodsAndOpenOperations() {
        let text = """
            openapi: 3.1.0
            paths:
              /a/{id}:
                parameters:
                  - name: id
                get:
                  security: []
                  responses: {}
                delete:
                  responses:
                    "204":
                      description: security: []
              "/b":
                post:
                  requestBody: {}
            components:
              schemas:
                get:
                  type: object
            """
        let parsed = Self.documentedOperations(text)
        #expect(parsed.all == [.init(method: "GET", path: "/a/{id}"), .init(method: "DELETE", path: "/a/{id}"),
                               .init(method: "POST", path: "/b")])
        #expect(parsed.open == [.init(method: "GET", path: "/a/{id}")])
    }

    @Test func everyServedRouteIsDocumentedAndEveryDocumentedOperationIsServed() async throws {
        let documented = Self.documentedOperations(Self.document)
        #expect(documented.all.count >= 10, "the document's paths section was not read")
        try await Self.withServer { server in
            let served = server.routeList.map(Self.operation)
            #expect(Set(served).count == served.count, "a route is registered twice: \(served)")
            let undocumented = Set(served).subtracting(documented.all).sorted { $0.description < $1.description }
            let unserved = documented.all.subtracting(served).sorted { $0.description < $1.description }
            #expect(undocumented.isEmpty, "served but not in openapi.yaml: \(undocumented)")
            #expect(unserved.isEmpty, "in openapi.yaml but not served: \(unserved)")
        }
    }

    @Test func theOpenRoutesAreTheOnesDocumentedWithoutSecurity() async throws {
        let documented = Self.documentedOperations(Self.document)
        try await Self.withServer { server in
            // routeList and routes are in the same order; routeList spells the method.
            let open = Set(zip(server.routeList, server.routes).filter { $0.1.access == .open }.map { Self.operation($0.0) })
            #expect(!open.isEmpty)
            #expect(open == documented.open, "open routes \(open.sorted { $0.description < $1.description }) vs security: [] in the document")
        }
    }

    @Test func theDocumentIsOpenAPI31WithBearerSecurity() {
        let text = Self.document
        #expect(text.hasPrefix("openapi: 3.1."))
        #expect(text.contains("\n  securitySchemes:\n    bearer:\n      type: http\n      scheme: bearer\n"))
        #expect(text.contains("\nsecurity:\n  - bearer: []\n"))
    }
}
