/// Slots of limits that several processes share, e.g. every worker using one PostgreSQL: a
/// request holds one slot while in flight, so a provider's account-wide limit holds across
/// the fleet. The job store implements it with leases that expire, so the slots of a process
/// that died come back by themselves.
package protocol FleetSlots: Sendable {
    /// Waits until one of the `limit` slots named `name` is free and takes it.
    /// - Throws: `CancellationError` when the task is cancelled while waiting; store errors.
    func acquire(_ name: String, limit: Int) async throws -> FleetSlot
    /// Gives the slot back (best effort: an unreleased slot expires on its own).
    func release(_ slot: FleetSlot) async
}

/// One slot held by this process.
package struct FleetSlot: Sendable, Hashable {
    package var name: String
    package var number: Int

    package init(name: String, number: Int) {
        self.name = name
        self.number = number
    }
}

/// A provider's fleet-wide limit: at most `limit` requests in flight under `name` across every
/// process sharing `slots`.
package struct FleetLimit: Sendable {
    package var name: String
    package var limit: Int
    package var slots: any FleetSlots

    package init(name: String, limit: Int, slots: any FleetSlots) {
        self.name = name
        self.limit = max(1, limit)
        self.slots = slots
    }
}
