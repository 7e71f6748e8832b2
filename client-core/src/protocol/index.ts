// Kept so that `@concord/client-core/protocol` still works for the apps: the protocol now lives in @concord/protocol.
export * from '@concord/protocol';
