import ArgumentParser
import Foundation
import Pipeline

/// The store every job command uses: `--database-url`, else `DATABASE_URL`, else a SQLite file
/// in the current folder.
struct StoreOptions: ParsableArguments {
    @Option(name: .customLong("database-url"),
            help: "postgres://USER:PASSWORD@HOST:PORT/DB or sqlite:PATH (default: $DATABASE_URL, else sqlite:./runner.sqlite).")
    var databaseURL: String?

    var resolvedURL: String {
        databaseURL ?? ProcessInfo.processInfo.environment["DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
            ?? DatabaseURL.defaultURL
    }

    func validate() throws {
        do { _ = try DatabaseURL(resolvedURL) } catch { throw ValidationError("\(error)") }
    }

    /// Opens the store and applies missing migrations (safe when several processes do it at once).
    func open(poolSize: Int = 2) async throws -> any JobStore {
        let store = try await openJobStore(url: resolvedURL, poolSize: poolSize)
        do {
            try await store.migrate()
        } catch {
            await store.close()
            throw error
        }
        return store
    }
}

/// Parses `250ms`, `30s`, `2m`, `1h`, or a number of seconds.
func parseDuration(_ text: String) -> Duration? {
    let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
    for (suffix, scale) in units where text.hasSuffix(suffix) {
        if let value = Double(text.dropLast(suffix.count)), value >= 0 { return .milliseconds(Int64(value * scale * 1000)) }
    }
    return Double(text).flatMap { $0 >= 0 ? .milliseconds(Int64($0 * 1000)) : nil }
}

/// A job id argument.
func parseJobID(_ text: String) throws -> UUID {
    guard let id = UUID(uuidString: text) else { throw ValidationError("not a job id: \(text)") }
    return id
}

/// Runs `body` with an open store and closes it afterwards, whatever happens.
func withStore<T>(_ options: StoreOptions, poolSize: Int = 2, _ body: (any JobStore) async throws -> T) async throws -> T {
    let store = try await options.open(poolSize: poolSize)
    do {
        let result = try await body(store)
        await store.close()
        return result
    } catch {
        await store.close()
        throw error
    }
}
