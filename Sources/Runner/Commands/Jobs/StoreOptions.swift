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
    /// - Parameter create: false for commands that read or change existing jobs: a missing SQLite
    ///   file is then an error, not a new empty database in the current folder.
    func open(poolSize: Int = 2, create: Bool = true) async throws -> any JobStore {
        let store = try await openJobStore(url: resolvedURL, poolSize: poolSize, create: create)
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

/// A job id argument: a whole id, or a unique prefix such as the 8 characters `runner process` prints.
/// - Throws: `ValidationError` when it is not an id, matches no job, or matches several.
func resolveJobID(_ text: String, in store: any JobStore) async throws -> UUID {
    if let id = UUID(uuidString: text) { return id }
    let prefix = text.lowercased()
    guard prefix.count >= 4, prefix.allSatisfy({ $0.isHexDigit || $0 == "-" }) else {
        throw ValidationError("not a job id: \(text) (give the whole id or at least its first 4 characters)")
    }
    let matches = try await store.jobIDs(prefix: prefix, limit: 2)
    switch matches.count {
    case 0: throw ValidationError("no job id starts with \(text)")
    case 1: return matches[0]
    default: throw ValidationError("several jobs start with \(text); give more characters")
    }
}

/// Runs `body` with an open store and closes it afterwards, whatever happens.
/// - Parameter create: whether a missing SQLite database may be created (only `enqueue`).
func withStore<T>(_ options: StoreOptions, poolSize: Int = 2, create: Bool = false,
                  _ body: (any JobStore) async throws -> T) async throws -> T {
    let store = try await options.open(poolSize: poolSize, create: create)
    do {
        let result = try await body(store)
        await store.close()
        return result
    } catch {
        await store.close()
        throw error
    }
}
