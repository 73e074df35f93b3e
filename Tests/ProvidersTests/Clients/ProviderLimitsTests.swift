import Logging
import Testing

@testable import Providers

/// `--provider-limit` and `PROVIDER_LIMITS`: parsed strictly, flags over the environment, and
/// applied to the one client of each provider.
struct ProviderLimitsTests {
    @Test func flagsOverrideTheEnvironmentAndReachTheClients() throws {
        let environment = ProviderEnvironment([
            "PROVIDER_LIMITS": "revai=10, gemini=4", "REVAI_ACCESS_TOKEN": "r", "GEMINI_API_KEY": "g", "OPENAI_API_KEY": "o",
        ])
        let limits = try ProviderLimits.resolve(flags: ["revai=3", "openai=2,google=5"], environment: environment)
        #expect(limits.values == ["revai": 3, "gemini": 4, "openai": 2, "google": 5])
        let clients = ProviderClients(environment: environment, limits: limits, speechConcurrency: 7, logger: Logger(label: "test"))
        #expect(try clients.revai.get().configuration.limits.maxConcurrent == 3)
        #expect(try clients.gemini.get().configuration.limits.maxConcurrent == 4)
        #expect(try clients.openai.get().configuration.limits.maxConcurrent == 2)
        #expect(clients.maxConcurrent(.gemini) == 4)
        // No fleet without a shared store: the limits stay per process.
        #expect(try clients.revai.get().configuration.limits.fleet == nil)
        // A missing key is kept as the error, raised when the client is asked for.
        #expect(throws: ProviderError.self) { try clients.google.get() }
    }

    @Test(arguments: ["revai", "revai=0", "revai=x", "s3=4", "=3"])
    func malformedLimitsAreRefusedByName(item: String) {
        #expect { try ProviderLimits(parsing: [item]) } throws: { error in
            "\(error)".contains(item.isEmpty ? "provider limit" : "provider limit \(item)")
        }
    }
}
