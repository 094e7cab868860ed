import Foundation
import SchedulerKit
import Testing

/// The contract of ``JobStore``, run against every implementation in ``StoreKind``.
///
/// Facets live in `JobStoreConformanceTests+<Facet>.swift`. Every test opens a fresh database,
/// uses explicit instants (`t0` and offsets from it) and injected jitter, and never reads the
/// wall clock.
@Suite("JobStore conformance")
struct JobStoreConformanceTests {}
