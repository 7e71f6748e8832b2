/*
 * Builds the app on the native OpenHarmony modules (nativeModules.ts wraps them) and injects them into the adapters
 * (every other module takes them as parameters, which is what lets Node tests pass stand-ins). EntryAbility calls
 * bootstrap() once; the pages get the ConcordApp from AppStorage.
 */
import relationalStore from '@ohos.data.relationalStore';
import type common from '@ohos.app.ability.common';
import { installGlobalCrypto, installTextCodecs } from '@concord/runtime';
import { CryptoFrameworkRandom } from './cryptoRandom';
import { Utf8Codec } from './textCodecs';
import { ohosSocketFactory, type SocketObserver } from './OhosWebSocket';
import { OhosNetworkSource } from './networkSource';
import { ohosFetch } from './httpFetch';
import { AbilityTarget, IncomingMessage, MessageNotifier } from './notifier';
import { AccountRoutedStorage, type RelationalStoreModule } from './accountStorage';
import { ConcordApp } from '../facade/ConcordApp';
import { AppPlatform } from '../facade/appPlatform';
import { PickedFile } from './pickedFile';
import { cryptoFrameworkSha256 } from './nativeDigest';
import { deviceNameOf } from './deviceName';
import {
  OhosConnectionModule,
  OhosCryptoModule,
  OhosDeviceInfo,
  OhosFileIoModule,
  OhosHttpModule,
  OhosNotificationModule,
  OhosUtilModule,
  OhosWantAgentModule,
  OhosWebSocketModule,
} from './nativeModules';
import { MAX_ATTACHMENT_BYTES } from '@concord/client-core';
import { storedServerUrl } from '../facade/serverAddress';

/** Shorter than client-core's 10 s default so the light greys within seconds of a dead link on a board. */
export const HEARTBEAT_MS = 5000;

class LightObserver implements SocketObserver {
  app: ConcordApp | null = null;
  opened(): void {
    this.app?.socketOpened();
  }
  frame(): void {
    this.app?.socketFrame();
  }
  closed(): void {
    this.app?.socketClosed();
  }
}

/** `serverUrl`: the address to use; by default the one set on the login page, else DEFAULT_SERVER_URL (HAPP-SERVER-1). */
export async function bootstrap(context: common.UIAbilityContext, serverUrl: string = ''): Promise<ConcordApp> {
  // Before any Y.Doc exists: lib0 (through the bundle's webcrypto shim) and client-core draw from this.
  const random = new CryptoFrameworkRandom(new OhosCryptoModule());
  installGlobalCrypto(random);
  const util = new OhosUtilModule();
  installTextCodecs(util);
  const codec = new Utf8Codec(util);

  const rdb: RelationalStoreModule<common.UIAbilityContext> = {
    getRdbStore: (ctx, config) => relationalStore.getRdbStore(ctx, { name: config.name, securityLevel: config.securityLevel }),
  };
  const storage = await AccountRoutedStorage.open(rdb, context, codec);
  const settings = storage.settings();
  const server = serverUrl.length > 0 ? serverUrl : await storedServerUrl(settings);

  const network = new OhosNetworkSource(new OhosConnectionModule());
  const observer = new LightObserver();
  const notifier = new MessageNotifier(new OhosNotificationModule(), new OhosWantAgentModule(), new AbilityTarget(context.abilityInfo.bundleName, context.abilityInfo.name));

  const platform = new AppPlatform(
    ohosSocketFactory(new OhosWebSocketModule(), observer),
    storage,
    ohosFetch(new OhosHttpModule(), (bytes: Uint8Array) => codec.decode(bytes)),
    (n: number) => random.bytes(n),
    (cb: () => void) => network.onOnline(cb),
    notifier,
    (id: string, title: string, preview: string, muted: boolean) => new IncomingMessage(id, title, preview, muted),
    deviceNameOf(new OhosDeviceInfo()),
    HEARTBEAT_MS,
    settings,
    cryptoFrameworkSha256(new OhosCryptoModule()),
  );
  const app = ConcordApp.create(platform, server);
  observer.app = app;
  network.onOffline(() => app.networkLost());
  network.start();
  app.setLanguage(context.config.language ?? 'en');
  return app;
}

/**
 * A file the system picker returned, opened with `@ohos.file.fs` for client-core to read in chunks (HAPP-ATTACH-2);
 * throws PickedFileTooBig above the attachment limit (nothing read), or the file system's error. Close it after
 * the send.
 */
export function openPickedUri(uri: string): PickedFile {
  return PickedFile.open(new OhosFileIoModule(), uri, MAX_ATTACHMENT_BYTES);
}
