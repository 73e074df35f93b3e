import ArgumentParser
import Providers

/// `--provider-limit PROVIDER=N` (repeatable or comma-separated), over `PROVIDER_LIMITS`.
struct ProviderLimitOptions: ParsableArguments {
    @Option(name: .customLong("provider-limit"),
            help: ArgumentHelp(
                "Requests in flight for a provider (revai, openai, gemini, google), e.g. revai=10. A worker on PostgreSQL holds it across every worker of that database (default: $PROVIDER_LIMITS).",
                valueName: "provider=n"))
    var providerLimits: [String] = []

    func validate() throws {
        do { _ = try resolved() } catch let error as ProviderError { throw ValidationError(error.description) }
    }

    /// The limits of the flags over those of `PROVIDER_LIMITS`.
    func resolved() throws -> ProviderLimits {
        try ProviderLimits.resolve(flags: providerLimits, environment: ProviderEnvironment())
    }
}
