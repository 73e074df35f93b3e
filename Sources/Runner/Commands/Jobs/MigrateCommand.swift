import ArgumentParser
import Pipeline

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Create or upgrade the job store's tables (safe to run concurrently).")

    @OptionGroup var store: StoreOptions

    func run() async throws {
        let store = try await openJobStore(url: self.store.resolvedURL, poolSize: 1)
        do {
            let applied = try await store.migrate()
            await store.close()
            print(applied.isEmpty ? "schema is up to date" : "applied migrations: \(applied.map(String.init).joined(separator: ", "))")
        } catch {
            await store.close()
            throw error
        }
    }
}
