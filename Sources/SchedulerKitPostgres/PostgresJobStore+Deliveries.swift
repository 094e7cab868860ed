import Foundation
import PostgresNIO
import SchedulerKit

/// The shared outbox: any node delivers any committed notification; a delivery is leased to the
/// node that claims it (`SKIP LOCKED`), and a dead node's leases are taken over once they expire.
extension PostgresJobStore: DeliveryStore {
    public func claimDueDeliveries(_ p: DeliveryClaimParams) async throws -> [Delivery] {
        guard p.limit > 0 else { return [] }
        let nowExpr = clockSource == .database ? "(extract(epoch FROM clock_timestamp()) * 1000)::bigint" : "?"
        let nowArgs: [Arg] = clockSource == .database ? [] : [.instant(p.now)]
        let any = try await read { tx in
            try await tx.count("SELECT 1 FROM deliveries WHERE status = 'pending' AND next_attempt_at <= \(nowExpr) LIMIT 1", nowArgs) > 0
        }
        guard any else { return [] }
        return try await transaction { tx in
            let now = try await self.transitionNow(tx, p.now)
            let candidates = try await tx.rows(
                """
                SELECT d.id, d.channel, d.target FROM deliveries d
                WHERE d.status = 'pending' AND d.next_attempt_at <= ?
                  AND NOT EXISTS (
                    SELECT 1 FROM deliveries e
                    WHERE e.run_id = d.run_id AND e.target = d.target AND e.status = 'pending' AND e.sequence < d.sequence)
                ORDER BY d.next_attempt_at, d.id
                LIMIT ?
                FOR UPDATE OF d SKIP LOCKED
                """,
                [.int(ms(now)), .int(max(p.limit * 4, 256))])
            var admitted: [String] = []
            for row in candidates where admitted.count < p.limit {
                let channel = DeliveryChannel(rawValue: try row.text(1)) ?? .webhook
                if p.admit(channel, try row.text(2)) { admitted.append(try row.text(0)) }
            }
            guard !admitted.isEmpty else { return [] }
            let claimed = try await tx.rows(
                """
                UPDATE deliveries SET next_attempt_at = ?, lease_owner = ?, updated_at = ? WHERE id = ANY(?)
                RETURNING \(Rows.deliveryColumns)
                """,
                [.int(ms(now.addingTimeInterval(p.lease))), .text(p.owner), .int(ms(now)), .texts(admitted)]
            ).map(Rows.delivery)
            let order = Dictionary(uniqueKeysWithValues: admitted.enumerated().map { ($1, $0) })
            return claimed.sorted { (order[$0.id] ?? 0) < (order[$1.id] ?? 0) }
        }
    }

    public func recordDeliveryAttempt(_ a: DeliveryAttemptRecord) async throws {
        try await transaction { tx in
            try await tx.execute(
                """
                UPDATE deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ?, last_status_code = ?,
                    lease_owner = NULL, updated_at = ?, delivered_at = CASE WHEN ?::text = 'delivered' THEN ?::bigint ELSE delivered_at END
                WHERE id = ?
                """,
                [
                    .text(a.status.rawValue), .int(a.attempts), .instant(a.nextAttemptAt), .text(a.error),
                    .int(a.statusCode.map { Int64($0) }), .instant(a.at), .text(a.status.rawValue), .instant(a.at), .text(a.deliveryId),
                ])
        }
    }

    public func releaseDeliveries(now: Date, isOwnerGone: @escaping @Sendable (String) -> Bool) async throws -> Int {
        let owners = try await read { tx in
            try await tx.rows("SELECT DISTINCT lease_owner FROM deliveries WHERE status = 'pending' AND lease_owner IS NOT NULL")
                .map { try $0.text(0) }
        }
        let gone = owners.filter(isOwnerGone)
        guard !gone.isEmpty else { return 0 }
        return try await transaction { tx in
            let now = try await self.transitionNow(tx, now)
            return try await tx.count(
                """
                UPDATE deliveries SET next_attempt_at = ?, lease_owner = NULL, updated_at = ?
                WHERE status = 'pending' AND lease_owner = ANY(?) RETURNING 1
                """,
                [.int(ms(now)), .int(ms(now)), .texts(gone)])
        }
    }

    public func deliveries(_ query: DeliveryQuery) async throws -> [Delivery] {
        try await read { tx in
            var clauses: [String] = []
            var args: [Arg] = []
            if let s = query.status {
                clauses.append("status = ?")
                args.append(.text(s.rawValue))
            }
            if let r = query.runId {
                clauses.append("run_id = ?")
                args.append(.text(r.rawValue))
            }
            var sql = "SELECT \(Rows.deliveryColumns) FROM deliveries"
            if !clauses.isEmpty { sql += " WHERE " + clauses.joined(separator: " AND ") }
            sql += " ORDER BY id DESC"
            if let limit = query.limit {
                sql += " LIMIT ?"
                args.append(.int(limit))
            }
            return try await tx.rows(sql, args).map(Rows.delivery)
        }
    }

    public func nextDeliveryTime(after: Date?) async throws -> Date? {
        try await read { tx in
            // In the caller's clock: the dispatcher sleeps until it.
            var shift = 0.0
            if self.clockSource == .database, let after {
                shift = after.timeIntervalSince(try await self.transitionNow(tx, after))
            }
            let lowerBound = after.map { ms($0.addingTimeInterval(-shift)) } ?? Int64.min
            return try await tx.one(
                Int64.self,
                """
                SELECT d.next_attempt_at FROM deliveries d
                WHERE d.status = 'pending' AND d.next_attempt_at > ?
                  AND NOT EXISTS (
                    SELECT 1 FROM deliveries e
                    WHERE e.run_id = d.run_id AND e.target = d.target AND e.status = 'pending' AND e.sequence < d.sequence)
                ORDER BY d.next_attempt_at
                LIMIT 1
                """,
                [.int(lowerBound)]
            ).map { date(ms: $0).addingTimeInterval(shift) }
        }
    }
}

extension PostgresJobStore: DeliveryRetryStore {
    public func retryDelivery(id: String, now: Date, audit: AuditRecord) async throws -> Delivery {
        try await transaction(notify: true) { tx in
            guard
                let d = try await tx.rows("SELECT \(Rows.deliveryColumns) FROM deliveries WHERE id = ? FOR UPDATE", [.text(id)])
                    .first.map(Rows.delivery)
            else {
                throw SchedulerError(.notFound, "no delivery with id \"\(id)\"")
            }
            guard d.status == .dead || d.status == .failed else {
                throw SchedulerError(.refused, "delivery \(id) is \(d.status.rawValue); only a dead or failed delivery can be retried")
            }
            var record = audit
            record.details["delivery_id"] = id
            try await Self.insertAudit(tx, record, jobId: d.jobId, jobName: d.jobName)
            guard
                let updated = try await tx.rows(
                    """
                    UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?, lease_owner = NULL, updated_at = ?
                    WHERE id = ? RETURNING \(Rows.deliveryColumns)
                    """,
                    [.instant(now), .instant(now), .text(id)]
                ).first.map(Rows.delivery)
            else {
                throw SchedulerError(.notFound, "no delivery with id \"\(id)\"")
            }
            return updated
        }
    }
}
