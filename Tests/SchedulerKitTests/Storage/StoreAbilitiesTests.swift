import Foundation
import SchedulerKit
import SchedulerKitPostgres
import Testing

/// The abilities are found once (``StoreAbilities``), and both stores have every one of them:
/// a store that lost a conformance would make a client refuse, or a scheduler run without a
/// dispatcher, so this fails first.
@Suite struct StoreAbilitiesTests {
    @Test(arguments: StoreKind.allCases)
    func everyStoreHasEveryAbility(kind: StoreKind) async throws {
        try await StoreFixture.with(kind) { fx in
            let abilities = StoreAbilities(of: fx.store)
            #expect(StoreAbilities.Ability.allCases.filter { !abilities.has($0) } == [])
            #expect(abilities.observed != nil)
            #expect(abilities.missingForScheduler.isEmpty)
            #expect(SchedulerClient(store: fx.store).abilities.has(.tokens))
        }
    }

    /// Both stores write alerts unless told not to: a program that embeds PostgreSQL with the
    /// default settings got no alerts at all before (its default was `NoOutbox`).
    @Test func bothStoresWriteNotificationsByDefault() {
        #expect(SQLiteJobStore.Configuration().outbox is NotificationOutbox)
        #expect(PostgresJobStore.Configuration().outbox is NotificationOutbox)
    }

    @Test func aMissingAbilityIsOneRefusalLine() {
        let none: (any TokenStore)? = nil
        #expect(throws: SchedulerError(.refused, "this store does not keep API tokens")) {
            try StoreAbilities.require(none, .tokens)
        }
        for ability in StoreAbilities.Ability.allCases {
            let line = StoreAbilities.refusal(ability)
            #expect(line.hasPrefix("this store ") && !line.contains("\n"))
        }
    }
}
