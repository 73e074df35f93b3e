import ArgumentParser
import Foundation
import Pipeline
import Service

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Create, list and revoke the API keys of `runner serve`.",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a key for a tenant and print it once (only its SHA-256 is stored).")
        @OptionGroup var store: StoreOptions
        @Option(help: "The tenant the key acts for (letters, digits, '-', '_', '.').") var tenant: String
        @Flag(name: .customLong("read-only"), help: "The key may read but not create, cancel or delete.") var readOnly = false
        @Option(help: "A note to tell keys apart in `runner keys list`.") var name: String?
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_."))
            guard !tenant.isEmpty, tenant.count <= 64, tenant.unicodeScalars.allSatisfy({ $0.isASCII && allowed.contains($0) }) else {
                throw ValidationError("--tenant must be 1 to 64 ASCII letters, digits, '-', '_' or '.'")
            }
        }

        func run() async throws {
            let key = APIKeys.generate()
            let record = try await withServiceStore(store) {
                try await $0.createKey(hash: APIKeys.hash(key), tenant: tenant, readOnly: readOnly, name: name)
            }
            if json {
                printJSON(["id": record.id, "tenant": record.tenant, "read_only": record.readOnly, "key": key])
            } else {
                print(key)
                FileHandle.standardError.write(Data(
                    "created \(record.id) for tenant \(record.tenant)\(readOnly ? " (read-only)" : ""); the key above is shown only now\n".utf8))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (ids, tenants, state; never the keys).")
        @OptionGroup var store: StoreOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let keys = try await withServiceStore(store) { try await $0.keys() }
            let format = Date.ISO8601FormatStyle()
            if json {
                printJSON(keys.map { k -> [String: Any] in
                    ["id": k.id, "tenant": k.tenant, "read_only": k.readOnly, "name": k.name ?? NSNull(),
                     "created_at": format.format(k.createdAt), "revoked_at": k.revokedAt.map { format.format($0) } ?? NSNull()]
                })
                return
            }
            for k in keys {
                let state = k.revokedAt.map { "revoked \(format.format($0))" } ?? (k.readOnly ? "read-only" : "read-write")
                print("\(k.id)\t\(k.tenant)\t\(state)\tcreated \(format.format(k.createdAt))\(k.name.map { "\t\($0)" } ?? "")")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by its id (or a unique prefix of it); it answers 401 at once.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The key's id, as `runner keys list` shows it.") var id: String

        func run() async throws {
            let revoked = try await withServiceStore(store) { try await $0.revokeKey(id: id) }
            print(revoked ? "revoked \(id)" : "\(id) was already revoked")
        }
    }
}

/// Runs `body` with the service's store open (migrated), closing it afterwards.
func withServiceStore<T>(_ options: StoreOptions, _ body: (any ServiceStore) async throws -> T) async throws -> T {
    let store = try await openServiceStore(url: options.resolvedURL, poolSize: 1)
    do {
        try await store.migrate()
        let result = try await body(store)
        await store.close()
        return result
    } catch {
        await store.close()
        throw error
    }
}
