import Foundation

/// A complete HTTP request as a fake service sees it.
package struct FakeRequest: Sendable {
    package var method: String
    /// Path without the query, percent-decoded.
    package var path: String
    package var query: [String: String]
    /// Header fields with lower-cased names.
    package var headers: [String: String]
    package var body: Data

    package func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The body parsed as a JSON object, or nil.
    package var json: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
    }

    /// The bearer token of an `Authorization: Bearer …` header.
    package var bearerToken: String? {
        guard let value = header("authorization"), value.lowercased().hasPrefix("bearer ") else { return nil }
        return String(value.dropFirst(7)).trimmingCharacters(in: .whitespaces)
    }
}

/// What a fake service answers, or how it misbehaves.
package struct FakeResponse: Sendable {
    package enum Action: Sendable {
        case respond
        /// Close the connection without answering.
        case dropConnection
        /// Say nothing until the client gives up (or `hangLimit` passes), then close.
        case hang
        /// Announce the full Content-Length, send half the body, close.
        case truncate
    }

    package var status: Int
    package var headers: [(String, String)]
    package var body: Data
    package var action: Action = .respond

    package init(status: Int, headers: [(String, String)] = [], body: Data = Data(), action: Action = .respond) {
        self.status = status
        self.headers = headers
        self.body = body
        self.action = action
    }

    /// A JSON response from any JSON-serialisable object.
    package static func json(_ status: Int, _ object: Any, contentType: String = "application/json") -> FakeResponse {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return FakeResponse(status: status, headers: [("Content-Type", contentType)], body: data)
    }

    package static func text(_ status: Int, _ text: String, contentType: String = "text/plain") -> FakeResponse {
        FakeResponse(status: status, headers: [("Content-Type", contentType)], body: Data(text.utf8))
    }

    package static func bytes(_ data: Data, contentType: String) -> FakeResponse {
        FakeResponse(status: 200, headers: [("Content-Type", contentType)], body: data)
    }
}
