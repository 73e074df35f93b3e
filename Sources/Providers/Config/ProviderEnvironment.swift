import Foundation

/// Reads provider keys and base URLs from the environment (names per DESIGN "Configuration").
///
/// Flags override these; a missing key is one clear error naming the variable.
package struct ProviderEnvironment: Sendable {
    package var values: [String: String]

    package init(_ values: [String: String] = ProcessInfo.processInfo.environment) {
        self.values = values
    }

    /// The value of `name`, or a `.missingConfiguration` error that names it.
    /// - Throws: `ProviderError` when the variable is unset or empty.
    package func require(_ name: String, provider: String) throws -> String {
        guard let value = values[name], !value.isEmpty else {
            throw ProviderError(.missingConfiguration, provider: provider, message: "\(name) is not set; export \(name) to use \(provider)")
        }
        return value
    }

    /// A base URL from `name` or `fallback`, without a trailing slash.
    package func baseURL(_ name: String, default fallback: String) -> String {
        var url = values[name].flatMap { $0.isEmpty ? nil : $0 } ?? fallback
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    package func optional(_ name: String) -> String? { values[name].flatMap { $0.isEmpty ? nil : $0 } }
}
