/*
 * The ArkTS runtime globals the app uses, as the SDK's api/@internal/ets/global.d.ts declares them (console and
 * timers). TextEncoder/TextDecoder and crypto are deliberately absent: the SDK does not declare them, so code that
 * pages reach must not rely on them (client-core gets crypto through platform/cryptoRandom.ts).
 */
declare function setInterval(handler: Function | string, delay: number, ...args: any[]): number;
declare function clearInterval(intervalID?: number): void;
declare function setTimeout(handler: Function | string, delay?: number, ...args: any[]): number;
declare function clearTimeout(timeoutID?: number): void;
declare class console {
  static debug(message: string, ...arguments: any[]): void;
  static log(message: string, ...arguments: any[]): void;
  static info(message: string, ...arguments: any[]): void;
  static warn(message: string, ...arguments: any[]): void;
  static error(message: string, ...arguments: any[]): void;
}
