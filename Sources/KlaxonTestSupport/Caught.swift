/// The error of type `E` that `body` throws; nil when it throws nothing or another error (so an
/// expectation on the result fails either way).
public func caught<E: Error>(_ type: E.Type, _ body: () throws -> Void) -> E? {
    do {
        try body()
    } catch let error as E {
        return error
    } catch {
        return nil
    }
    return nil
}
