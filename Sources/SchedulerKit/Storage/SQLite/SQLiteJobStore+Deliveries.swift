import Foundation
import GRDB

extension SQLiteJobStore: DeliveryStore {
    public func claimDueDeliveries(_ p: DeliveryClaimParams) async throws -> [Delivery] {
        guard p.limit > 0 else { return [] }
        // Cheap read first: an idle dispatcher takes no write lock.
        let any = try await read { db in
            try Bool.fetchOne(
                cached: db, sql: "SELECT 1 FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ? LIMIT 1", arguments: [ms(p.now)]) ?? false
        }
        guard any else { return [] }
        return try await write(notify: false) { db in
            // Due deliveries in order, light columns only: those the dispatcher refuses (a host
            // at its bound) are skipped without reading their payloads.
            let admitted = try Self.admitDue(db, p)
            let hiddenUntil = ms(p.now.addingTimeInterval(p.lease))
            return try admitted.compactMap { id -> Delivery? in
                try db.execute(
                    cached: "UPDATE deliveries SET next_attempt_at = ?, lease_owner = ?, updated_at = ? WHERE id = ?",
                    arguments: [hiddenUntil, p.owner, ms(p.now), id])
                return try db.decodeOne(cached: "SELECT * FROM deliveries WHERE id = ?", arguments: [id], RowDecoding.delivery)
            }
        }
    }

    /// The ids of the due deliveries `p.admit` accepts, in order, at most `p.limit`; the scan's
    /// cursor is done with before the caller writes.
    private static func admitDue(_ db: Database, _ p: DeliveryClaimParams) throws -> [String] {
        let cursor = try Row.fetchCursor(
            db.cachedStatement(sql: """
                SELECT d.id, d.channel, d.target FROM deliveries d
                WHERE d.status = 'pending' AND d.next_attempt_at <= ?
                  AND NOT EXISTS (
                    SELECT 1 FROM deliveries e
                    WHERE e.run_id = d.run_id AND e.target = d.target AND e.status = 'pending' AND e.sequence < d.sequence)
                ORDER BY d.next_attempt_at, d.id
                """),
            arguments: [ms(p.now)])
        var admitted: [String] = []
        while admitted.count < p.limit, let row = try cursor.next() {
            let channel = DeliveryChannel(rawValue: row[1]) ?? .webhook
            if p.admit(channel, row[2]) { admitted.append(row[0]) }
        }
        return admitted
    }

    public func recordDeliveryAttempt(_ a: DeliveryAttemptRecord) async throws {
        try await write(notify: false) { db in
            try db.execute(
                cached: """
                    UPDATE deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ?, last_status_code = ?,
                        lease_owner = NULL, updated_at = ?, delivered_at = CASE WHEN ? = 'delivered' THEN ? ELSE delivered_at END
                    WHERE id = ?
                    """,
                arguments: [
                    a.status.rawValue, a.attempts, msOpt(a.nextAttemptAt), a.error, a.statusCode, ms(a.at), a.status.rawValue,
                    ms(a.at), a.deliveryId,
                ])
        }
    }

    public func releaseDeliveries(now: Date, isOwnerGone: @escaping @Sendable (String) -> Bool) async throws -> Int {
        let owners = try await read { db in
            try String.fetchAll(
                cached: db, sql: "SELECT DISTINCT lease_owner FROM deliveries WHERE status = 'pending' AND lease_owner IS NOT NULL")
        }
        let gone = owners.filter(isOwnerGone)
        guard !gone.isEmpty else { return 0 }
        return try await write(notify: false) { db in
            try db.execute(
                cached: """
                    UPDATE deliveries SET next_attempt_at = ?, lease_owner = NULL, updated_at = ?
                    WHERE status = 'pending' AND lease_owner IN (\(Self.placeholders(gone.count)))
                    """,
                arguments: [ms(now), ms(now)] + StatementArguments(gone))
            return db.changesCount
        }
    }

    public func deliveries(_ query: DeliveryQuery) async throws -> [Delivery] {
        try await read { db in
            var clauses: [String] = []
            var args: [any DatabaseValueConvertible] = []
            if let s = query.status {
                clauses.append("status = ?")
                args.append(s.rawValue)
            }
            if let r = query.runId {
                clauses.append("run_id = ?")
                args.append(r.rawValue)
            }
            var sql = "SELECT * FROM deliveries"
            if !clauses.isEmpty { sql += " WHERE " + clauses.joined(separator: " AND ") }
            sql += " ORDER BY id DESC"
            if let limit = query.limit {
                sql += " LIMIT ?"
                args.append(limit)
            }
            return try db.decodeAll(cached: sql, arguments: StatementArguments(args), RowDecoding.delivery)
        }
    }

    public func nextDeliveryTime(after: Date?) async throws -> Date? {
        let lowerBound = after.map { ms($0) } ?? Int64.min
        return try await read { db in
            // In due order, the first that is not waiting behind an earlier delivery of its run
            // to its target (that one's own time counts instead).
            try Int64.fetchOne(
                cached: db,
                sql: """
                    SELECT d.next_attempt_at FROM deliveries d
                    WHERE d.status = 'pending' AND d.next_attempt_at > ?
                      AND NOT EXISTS (
                        SELECT 1 FROM deliveries e
                        WHERE e.run_id = d.run_id AND e.target = d.target AND e.status = 'pending' AND e.sequence < d.sequence)
                    ORDER BY d.next_attempt_at
                    LIMIT 1
                    """,
                arguments: [lowerBound]
            ).map { date(ms: $0) }
        }
    }
}
