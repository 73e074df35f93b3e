import Testing
@testable import Providers

struct ProvidersSmokeTests {
    @Test func moduleLoads() { #expect(Bool(true)) }
}
