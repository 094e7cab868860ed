import Foundation
import GRDB

extension SQLiteJobStore: DeliveryRetryStore {
    public func retryDelivery(id: String, now: Date, audit: AuditRecord) async throws -> Delivery {
        try await write { db in
            guard let d = try db.decodeOne(cached: "SELECT * FROM deliveries WHERE id = ?", arguments: [id], RowDecoding.delivery) else {
                throw SchedulerError(.notFound, "no delivery with id \"\(id)\"", remedy: .listDeliveries)
            }
            guard d.status == .dead || d.status == .failed else {
                throw SchedulerError(.refused, "delivery \(id) is \(d.status.rawValue); only a dead or failed delivery can be retried")
            }
            try db.execute(
                cached: """
                    UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?, lease_owner = NULL, updated_at = ?
                    WHERE id = ?
                    """,
                arguments: [ms(now), ms(now), id])
            var record = audit
            record.details["delivery_id"] = id
            try Self.insertAudit(db, record, jobId: d.jobId, jobName: d.jobName)
            guard let updated = try db.decodeOne(cached: "SELECT * FROM deliveries WHERE id = ?", arguments: [id], RowDecoding.delivery) else {
                throw SchedulerError(.notFound, "no delivery with id \"\(id)\"")
            }
            return updated
        }
    }
}
