import Foundation

/// Requests in flight per provider, as `--provider-limit revai=10` and `PROVIDER_LIMITS`
/// (`revai=10,gemini=4`) give them. With a shared store the limits hold across the fleet.
package struct ProviderLimits: Sendable, Equatable {
    /// The providers a limit may name: the accounts the clients call.
    package static let providers = ["revai", "openai", "gemini", "google"]

    package var values: [String: Int]

    package init(_ values: [String: Int] = [:]) {
        self.values = values
    }

    /// Parses `name=N` items, each a string or comma-separated; a later item wins.
    /// - Throws: `ProviderError(.invalidInput)` naming the item that is not `provider=N` (N ≥ 1)
    ///   or a provider that is not one of `providers`.
    package init(parsing items: [String]) throws {
        var values: [String: Int] = [:]
        for item in items.flatMap({ $0.split(separator: ",") }) {
            let text = item.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            let pair = text.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, let limit = Int(pair[1]), limit >= 1 else {
                throw ProviderError(.invalidInput, provider: "config", message: "provider limit \(text): expected PROVIDER=N with N ≥ 1")
            }
            guard Self.providers.contains(pair[0]) else {
                throw ProviderError(.invalidInput, provider: "config",
                                    message: "provider limit \(text): unknown provider \(pair[0]) (one of \(Self.providers.joined(separator: ", ")))")
            }
            values[pair[0]] = limit
        }
        self.values = values
    }

    /// `PROVIDER_LIMITS` from the environment, overridden by `flags` (`--provider-limit`).
    /// - Throws: as `init(parsing:)`.
    package static func resolve(flags: [String], environment: ProviderEnvironment) throws -> ProviderLimits {
        var limits = try ProviderLimits(parsing: environment.optional("PROVIDER_LIMITS").map { [$0] } ?? [])
        limits.values.merge(try ProviderLimits(parsing: flags).values) { $1 }
        return limits
    }

    package subscript(_ provider: String) -> Int? { values[provider] }
}
