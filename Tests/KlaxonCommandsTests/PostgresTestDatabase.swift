import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport

/// A fresh database on the test process's shared cluster with Klaxon's schema, the everyday role
/// granted; made off Swift's cooperative pool (see `PostgresServer.shared()`).
func initialisedDatabase() async throws -> PostgresDatabase {
    let server = try await PostgresServer.shared()
    return try await blocking {
        let database = try server.makeDatabase()
        _ = try PostgresSchema.initialise(uri: database.ownerURI, grantTo: PostgresServer.everyday)
        return database
    }
}
