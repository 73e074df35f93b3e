import Foundation

/// Leases of fleet-wide provider slots (`provider_leases`): slot N of provider P is held by at
/// most one holder until its `expires_at`; the primary key makes two holders impossible even
/// when two workers race for the same free slot (the loser's upsert finds a live lease and
/// returns nothing).
extension SQLJobStore {
    /// Takes a free slot of `limit` for `provider`, or returns nil when all are held.
    func tryLease(_ provider: String, limit: Int, holder: String, ttl: Duration) async throws -> Int? {
        let taken = Set(try await backend.single(
            "SELECT slot FROM provider_leases WHERE provider = $1 AND expires_at > {now}", [.text(provider)]
        ).map { try $0.int(0) })
        // A random free slot: workers polling at once rarely pick the same one.
        for slot in (0..<limit).filter({ !taken.contains($0) }).shuffled().prefix(3) {
            let rows = try await backend.single(
                """
                INSERT INTO provider_leases (provider, slot, holder, expires_at) VALUES ($1, $2, $3, {now} + $4)
                ON CONFLICT (provider, slot) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                WHERE provider_leases.expires_at <= {now}
                RETURNING slot
                """,
                [.text(provider), .int(slot), .text(holder), .int(ttl.milliseconds)])
            if !rows.isEmpty { return slot }
        }
        return nil
    }

    func releaseLease(_ provider: String, slot: Int, holder: String) async throws {
        _ = try await backend.single(
            "DELETE FROM provider_leases WHERE provider = $1 AND slot = $2 AND holder = $3",
            [.text(provider), .int(slot), .text(holder)])
    }

    /// Pushes back the expiry of every lease `holder` still has. - Returns: how many it has.
    @discardableResult
    func renewLeases(holder: String, ttl: Duration) async throws -> Int {
        try await backend.single(
            "UPDATE provider_leases SET expires_at = {now} + $2 WHERE holder = $1 AND expires_at > {now} RETURNING slot",
            [.text(holder), .int(ttl.milliseconds)]
        ).count
    }
}
