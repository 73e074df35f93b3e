import ArgumentParser
import Foundation
import Providers

/// `runner http-load URL`: many GETs through the libcurl transport (for benchmarks/providers.sh).
struct HTTPLoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "http-load", abstract: "Fetch a URL many times through the provider HTTP transport and report throughput.",
        shouldDisplay: false)

    @Argument(help: "URL to fetch (e.g. a fake-providers /_bytes?n=65536).") var url: String
    @Option(help: "Number of requests.") var requests = 500
    @Option(help: "Requests in flight at once.") var concurrency = 16
    @Flag(help: "Stream bodies to /dev/null instead of keeping them in memory.") var devNull = false

    func run() async throws {
        let report = await HTTPLoad.run(url: url, requests: requests, concurrency: concurrency, toDevNull: devNull)
        print(String(format: "requests=%d failures=%d bytes=%lld seconds=%.3f rps=%.1f",
                     report.requests, report.failures, report.bytes, report.seconds, report.requestsPerSecond))
        if report.failures > 0 { throw ExitCode(1) }
    }
}
