/*
 * The native OpenHarmony modules as objects of the small interfaces the adapters take (NativeWebSocketModule,
 * HttpModule, ...). ArkTS does not let a module namespace be passed around as a value (arkts-no-ns-as-obj), so each
 * interface gets a class that forwards to the module; the adapters stay testable on Node stand-ins of the same
 * interfaces. With bootstrap.ts, the only place that imports `@ohos.*` as values.
 */
import webSocket from '@ohos.net.webSocket';
import connection from '@ohos.net.connection';
import http from '@ohos.net.http';
import cryptoFramework from '@ohos.security.cryptoFramework';
import notificationManager from '@ohos.notificationManager';
import wantAgent from '@ohos.app.ability.wantAgent';
import util from '@ohos.util';
import fileIo from '@ohos.file.fs';
import deviceInfo from '@ohos.deviceInfo';
import type { ReadOptions } from '@ohos.file.fs';
import type { WantAgent } from '@ohos.app.ability.wantAgent';
import type { NativeSocket, NativeWebSocketModule } from './OhosWebSocket';
import type { NetConnectionModule } from './networkSource';
import type { HttpModule, HttpRequestLike } from './httpFetch';
import type { CryptoFrameworkModule } from './cryptoRandom';
import type { CryptoMdModule } from './nativeDigest';
import type { DeviceInfoModule } from './deviceName';
import type { NotificationModule, WantAgentModule } from './notifier';
import type { DecoderOptions, UtilDecoder, UtilEncoder, UtilModule } from '@concord/runtime';
import type { FileIoModule, FileStat, OpenedFile } from './pickedFile';

export class OhosWebSocketModule implements NativeWebSocketModule {
  createWebSocket(): NativeSocket {
    return webSocket.createWebSocket();
  }
}

export class OhosConnectionModule implements NetConnectionModule {
  createNetConnection(): connection.NetConnection {
    return connection.createNetConnection();
  }
}

export class OhosHttpModule implements HttpModule {
  createHttp(): HttpRequestLike {
    return http.createHttp();
  }
}

export class OhosCryptoModule implements CryptoFrameworkModule, CryptoMdModule {
  createRandom(): cryptoFramework.Random {
    return cryptoFramework.createRandom();
  }
  createMd(algName: string): cryptoFramework.Md {
    return cryptoFramework.createMd(algName);
  }
}

export class OhosNotificationModule implements NotificationModule {
  publish(request: notificationManager.NotificationRequest): Promise<void> {
    return notificationManager.publish(request);
  }
  cancel(id: number, label?: string): Promise<void> {
    return notificationManager.cancel(id, label);
  }
  cancelAll(): Promise<void> {
    return notificationManager.cancelAll();
  }
  setBadgeNumber(badgeNumber: number): Promise<void> {
    return notificationManager.setBadgeNumber(badgeNumber);
  }
  addSlot(type: notificationManager.SlotType): Promise<void> {
    return notificationManager.addSlot(type);
  }
}

export class OhosWantAgentModule implements WantAgentModule {
  getWantAgent(info: wantAgent.WantAgentInfo): Promise<WantAgent> {
    return wantAgent.getWantAgent(info);
  }
}

export class OhosUtilModule implements UtilModule {
  createEncoder(): UtilEncoder {
    return new util.TextEncoder();
  }
  createDecoder(encoding: string, options?: DecoderOptions): UtilDecoder {
    return util.TextDecoder.create(encoding, options);
  }
}

export class OhosFileIoModule implements FileIoModule {
  openSync(path: string, mode?: number): OpenedFile {
    return fileIo.openSync(path, mode);
  }
  statSync(file: string | number): FileStat {
    return fileIo.statSync(file);
  }
  read(fd: number, buffer: ArrayBuffer, options?: ReadOptions): Promise<number> {
    return fileIo.read(fd, buffer, options);
  }
  closeSync(file: number): void {
    fileIo.closeSync(file);
  }
}

/** `@ohos.deviceInfo`'s name constants (read when asked: they are the module's, not copies). */
export class OhosDeviceInfo implements DeviceInfoModule {
  get marketName(): string {
    return deviceInfo.marketName;
  }
  get productModel(): string {
    return deviceInfo.productModel;
  }
  get brand(): string {
    return deviceInfo.brand;
  }
}
