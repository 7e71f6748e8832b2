// Kept so that `@concord/client-core/schema` still works for the apps: the doc schema now lives in @concord/protocol.
export * from '@concord/protocol';
