/*
 * ArkUI declarations: the subset of the OpenHarmony API 12 component and decorator globals that the Concord pages
 * use, written from the documented signatures (interface_sdk-js api/@internal/component/ets/*.d.ts cannot be
 * downloaded here). Shapes follow the SDK pattern: `interface XInterface { (...): XAttribute }`,
 * `declare class XAttribute extends CommonMethod<XAttribute>`, `declare const X: XInterface` and `XInstance`.
 * Anything a page calls that is not declared here fails the check, which is the point: a typo or a wrong argument
 * type is caught before DevEco ever sees the file. Keep additions faithful to the SDK.
 */

// ---- decorators -------------------------------------------------------------------------------------------
declare const Entry: ClassDecorator;
declare const Component: ClassDecorator;
declare const State: PropertyDecorator;
declare const Prop: PropertyDecorator;
declare const Link: PropertyDecorator;
declare const Provide: PropertyDecorator & ((value: string) => PropertyDecorator);
declare const Consume: PropertyDecorator & ((value: string) => PropertyDecorator);
declare const Observed: ClassDecorator;
declare const ObjectLink: PropertyDecorator;
declare const Watch: (value: string) => PropertyDecorator;
declare const StorageLink: (value: string) => PropertyDecorator;
declare const StorageProp: (value: string) => PropertyDecorator;
declare const Builder: MethodDecorator;
declare const BuilderParam: PropertyDecorator;
declare const Styles: MethodDecorator;
declare const Extend: (value: Function) => MethodDecorator;

// ---- resources and basic types ------------------------------------------------------------------------------
interface Resource {
  readonly bundleName: string;
  readonly moduleName: string;
  readonly id: number;
  readonly params?: Object[];
  readonly type?: number;
}
declare function $r(value: string, ...params: Object[]): Resource;
declare function $rawfile(value: string): Resource;

declare type Length = string | number | Resource;
declare type ResourceStr = string | Resource;
declare type ResourceColor = Color | number | string | Resource;
declare type Dimension = string | number | Resource;
declare type CustomBuilder = (() => void) | void;

declare enum Color { White, Black, Blue, Brown, Gray, Green, Grey, Orange, Pink, Red, Yellow, Transparent }
declare enum FlexAlign { Start, Center, End, SpaceBetween, SpaceAround, SpaceEvenly }
declare enum HorizontalAlign { Start, Center, End }
declare enum VerticalAlign { Top, Center, Bottom }
declare enum ItemAlign { Auto, Start, Center, End, Baseline, Stretch }
declare enum Alignment { TopStart, Top, TopEnd, Start, Center, End, BottomStart, Bottom, BottomEnd }
declare enum FontWeight { Lighter, Normal, Regular, Medium, Bold, Bolder }
declare enum TextAlign { Center, Start, End, JUSTIFY }
declare enum TextOverflow { None, Clip, Ellipsis, MARQUEE }
declare enum WordBreak { NORMAL = 0, BREAK_ALL = 1, BREAK_WORD = 2 }
declare enum Visibility { Visible, Hidden, None }
declare enum InputType { Normal, Number, PhoneNumber, Email, Password }
declare enum EnterKeyType { Go = 2, Search = 3, Send = 4, Next = 5, Done = 6 }
declare enum ButtonType { Capsule, Circle, Normal }
declare enum Edge { Top, Center, Bottom, Baseline, Start, Middle, End }
declare enum EdgeEffect { Spring, Fade, None }
declare enum BarState { Off, Auto, On }
declare enum Curve { Linear, Ease, EaseIn, EaseOut, EaseInOut }
declare enum PlayMode { Normal, Reverse, Alternate, AlternateReverse }
declare enum ScrollAlign { START, CENTER, END, AUTO }
declare enum FlexDirection { Row, Column, RowReverse, ColumnReverse }
declare enum FlexWrap { NoWrap, Wrap, WrapReverse }
declare enum SwipeEdgeEffect { Spring, None }

declare interface Padding { top?: Length; right?: Length; bottom?: Length; left?: Length; }
declare type Margin = Padding;
declare interface ConstraintSizeOptions { minWidth?: Length; maxWidth?: Length; minHeight?: Length; maxHeight?: Length; }
declare interface BorderOptions { width?: Length; color?: ResourceColor; radius?: Length; }
declare interface AnimateParam {
  duration?: number;
  tempo?: number;
  curve?: Curve | string;
  delay?: number;
  iterations?: number;
  playMode?: PlayMode;
  onFinish?: () => void;
}
declare function animateTo(value: AnimateParam, event: () => void): void;

declare interface ClickEvent {
  readonly x: number;
  readonly y: number;
  readonly timestamp: number;
}

declare class CommonMethod<T> {
  width(value: Length): T;
  height(value: Length): T;
  size(value: SizeOptions): T;
  constraintSize(value: ConstraintSizeOptions): T;
  padding(value: Padding | Length): T;
  margin(value: Margin | Length): T;
  backgroundColor(value: ResourceColor): T;
  borderRadius(value: Length): T;
  border(value: BorderOptions): T;
  opacity(value: number | Resource): T;
  visibility(value: Visibility): T;
  layoutWeight(value: number | string): T;
  alignSelf(value: ItemAlign): T;
  flexShrink(value: number): T;
  flexGrow(value: number): T;
  align(value: Alignment): T;
  enabled(value: boolean): T;
  animation(value: AnimateParam): T;
  onClick(event: (event: ClickEvent) => void): T;
  onAppear(event: () => void): T;
  onDisappear(event: () => void): T;
  id(value: string): T;
}
declare interface SizeOptions { width?: Length; height?: Length; }

/** What a struct implicitly extends (compilerOptions.ets.customComponent). */
declare class CustomComponent extends CommonMethod<CustomComponent> {
  build(): void;
  aboutToAppear?(): void;
  aboutToDisappear?(): void;
  onPageShow?(): void;
  onPageHide?(): void;
  onBackPress?(): void | boolean;
}

// ---- containers ---------------------------------------------------------------------------------------------
interface ColumnOptions { space?: string | number; }
interface ColumnInterface { (value?: ColumnOptions): ColumnAttribute; }
declare class ColumnAttribute extends CommonMethod<ColumnAttribute> {
  alignItems(value: HorizontalAlign): ColumnAttribute;
  justifyContent(value: FlexAlign): ColumnAttribute;
}
declare const Column: ColumnInterface;
declare const ColumnInstance: ColumnAttribute;

interface RowOptions { space?: string | number; }
interface RowInterface { (value?: RowOptions): RowAttribute; }
declare class RowAttribute extends CommonMethod<RowAttribute> {
  alignItems(value: VerticalAlign): RowAttribute;
  justifyContent(value: FlexAlign): RowAttribute;
}
declare const Row: RowInterface;
declare const RowInstance: RowAttribute;

interface StackOptions { alignContent?: Alignment; }
interface StackInterface { (value?: StackOptions): StackAttribute; }
declare class StackAttribute extends CommonMethod<StackAttribute> {
  alignContent(value: Alignment): StackAttribute;
}
declare const Stack: StackInterface;
declare const StackInstance: StackAttribute;

interface FlexOptions { direction?: FlexDirection; wrap?: FlexWrap; justifyContent?: FlexAlign; alignItems?: ItemAlign; }
interface FlexInterface { (value?: FlexOptions): FlexAttribute; }
declare class FlexAttribute extends CommonMethod<FlexAttribute> {}
declare const Flex: FlexInterface;
declare const FlexInstance: FlexAttribute;

declare class Scroller {
  constructor();
  scrollEdge(value: Edge): void;
  scrollToIndex(value: number, smooth?: boolean, align?: ScrollAlign): void;
}

interface ScrollInterface { (scroller?: Scroller): ScrollAttribute; }
declare class ScrollAttribute extends CommonMethod<ScrollAttribute> {
  scrollBar(barState: BarState): ScrollAttribute;
}
declare const Scroll: ScrollInterface;
declare const ScrollInstance: ScrollAttribute;

interface ListDividerOptions { strokeWidth: Length; color?: ResourceColor; startMargin?: Length; endMargin?: Length; }
interface ListOptions { initialIndex?: number; space?: number | string; scroller?: Scroller; }
interface ListInterface { (value?: ListOptions): ListAttribute; }
declare class ListAttribute extends CommonMethod<ListAttribute> {
  divider(value: ListDividerOptions | null): ListAttribute;
  edgeEffect(value: EdgeEffect): ListAttribute;
  cachedCount(value: number): ListAttribute;
  scrollBar(value: BarState): ListAttribute;
  onReachStart(event: () => void): ListAttribute;
  onReachEnd(event: () => void): ListAttribute;
  onScrollIndex(event: (start: number, end: number, center: number) => void): ListAttribute;
}
declare const List: ListInterface;
declare const ListInstance: ListAttribute;

interface SwipeActionOptions { start?: CustomBuilder; end?: CustomBuilder; edgeEffect?: SwipeEdgeEffect; }
interface ListItemInterface { (value?: string): ListItemAttribute; }
declare class ListItemAttribute extends CommonMethod<ListItemAttribute> {
  swipeAction(value: SwipeActionOptions): ListItemAttribute;
}
declare const ListItem: ListItemInterface;
declare const ListItemInstance: ListItemAttribute;

interface GridInterface { (scroller?: Scroller): GridAttribute; }
declare class GridAttribute extends CommonMethod<GridAttribute> {
  columnsTemplate(value: string): GridAttribute;
  rowsGap(value: Length): GridAttribute;
  columnsGap(value: Length): GridAttribute;
}
declare const Grid: GridInterface;
declare const GridInstance: GridAttribute;
interface GridItemInterface { (): GridItemAttribute; }
declare class GridItemAttribute extends CommonMethod<GridItemAttribute> {}
declare const GridItem: GridItemInterface;
declare const GridItemInstance: GridItemAttribute;

// ---- leaves -------------------------------------------------------------------------------------------------
interface TextOverflowOptions { overflow: TextOverflow; }
interface TextInterface { (content?: string | Resource): TextAttribute; }
declare class TextAttribute extends CommonMethod<TextAttribute> {
  fontSize(value: number | string | Resource): TextAttribute;
  fontColor(value: ResourceColor): TextAttribute;
  fontWeight(value: number | FontWeight | string): TextAttribute;
  textAlign(value: TextAlign): TextAttribute;
  maxLines(value: number): TextAttribute;
  textOverflow(value: TextOverflowOptions): TextAttribute;
  wordBreak(value: WordBreak): TextAttribute;
  lineHeight(value: number | string | Resource): TextAttribute;
}
declare const Text: TextInterface;
declare const TextInstance: TextAttribute;

interface ButtonOptions { type?: ButtonType; stateEffect?: boolean; }
interface ButtonInterface {
  (): ButtonAttribute;
  (options: ButtonOptions): ButtonAttribute;
  (label: ResourceStr, options?: ButtonOptions): ButtonAttribute;
}
declare class ButtonAttribute extends CommonMethod<ButtonAttribute> {
  type(value: ButtonType): ButtonAttribute;
  fontSize(value: Length): ButtonAttribute;
  fontColor(value: ResourceColor): ButtonAttribute;
}
declare const Button: ButtonInterface;
declare const ButtonInstance: ButtonAttribute;

interface TextInputOptions { placeholder?: ResourceStr; text?: ResourceStr; }
interface TextInputInterface { (value?: TextInputOptions): TextInputAttribute; }
declare class TextInputAttribute extends CommonMethod<TextInputAttribute> {
  type(value: InputType): TextInputAttribute;
  maxLength(value: number): TextInputAttribute;
  enterKeyType(value: EnterKeyType): TextInputAttribute;
  onChange(callback: (value: string) => void): TextInputAttribute;
  onSubmit(callback: (enterKey: EnterKeyType) => void): TextInputAttribute;
}
declare const TextInput: TextInputInterface;
declare const TextInputInstance: TextInputAttribute;

interface TextAreaOptions { placeholder?: ResourceStr; text?: ResourceStr; }
interface TextAreaInterface { (value?: TextAreaOptions): TextAreaAttribute; }
declare class TextAreaAttribute extends CommonMethod<TextAreaAttribute> {
  maxLength(value: number): TextAreaAttribute;
  onChange(callback: (value: string) => void): TextAreaAttribute;
}
declare const TextArea: TextAreaInterface;
declare const TextAreaInstance: TextAreaAttribute;

interface CircleOptions { width?: string | number; height?: string | number; }
interface CircleInterface { (value?: CircleOptions): CircleAttribute; }
declare class CircleAttribute extends CommonMethod<CircleAttribute> {
  fill(value: ResourceColor): CircleAttribute;
}
declare const Circle: CircleInterface;
declare const CircleInstance: CircleAttribute;

interface BlankInterface { (min?: number | string): BlankAttribute; }
declare class BlankAttribute extends CommonMethod<BlankAttribute> {}
declare const Blank: BlankInterface;
declare const BlankInstance: BlankAttribute;

interface DividerInterface { (): DividerAttribute; }
declare class DividerAttribute extends CommonMethod<DividerAttribute> {
  color(value: ResourceColor): DividerAttribute;
  strokeWidth(value: number | string): DividerAttribute;
}
declare const Divider: DividerInterface;
declare const DividerInstance: DividerAttribute;

interface LoadingProgressInterface { (): LoadingProgressAttribute; }
declare class LoadingProgressAttribute extends CommonMethod<LoadingProgressAttribute> {
  color(value: ResourceColor): LoadingProgressAttribute;
}
declare const LoadingProgress: LoadingProgressInterface;
declare const LoadingProgressInstance: LoadingProgressAttribute;

// ---- rendering control --------------------------------------------------------------------------------------
interface ForEachInterface {
  // `any` as in the SDK: the item type is the caller's, and .d.ts files are not linted.
  (arr: Array<any>, itemGenerator: (item: any, index: number) => void, keyGenerator?: (item: any, index: number) => string): ForEachAttribute;
}
declare class ForEachAttribute {}
declare const ForEach: ForEachInterface;

declare interface DataChangeListener {
  onDataReloaded(): void;
  onDataAdd(index: number): void;
  onDataMove(from: number, to: number): void;
  onDataDelete(index: number): void;
  onDataChange(index: number): void;
}
declare interface IDataSource {
  totalCount(): number;
  getData(index: number): any;
  registerDataChangeListener(listener: DataChangeListener): void;
  unregisterDataChangeListener(listener: DataChangeListener): void;
}
interface LazyForEachInterface {
  (dataSource: IDataSource, itemGenerator: (item: any, index: number) => void, keyGenerator?: (item: any, index: number) => string): LazyForEachAttribute;
}
declare class LazyForEachAttribute {}
declare const LazyForEach: LazyForEachInterface;

// ---- app-wide state -----------------------------------------------------------------------------------------
declare class AppStorage {
  static setOrCreate<T>(propName: string, newValue: T): void;
  static get<T>(propName: string): T | undefined;
  static has(propName: string): boolean;
  static delete(propName: string): boolean;
}
