export * from './random.util';
export * from './junit-generator';
export * from './tree-generator';
export * from './store-generator';
