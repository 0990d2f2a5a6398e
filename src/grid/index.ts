// The data grid's public surface: what the SDK, the agent, the coordinator and the simulator import.
export { SHARED_NAMESPACE, type GridAdapterKind, type GridNamespace, type GridReader, type GridStore, type SetOptions, type SetResult, type TenantGridStats } from './port.ts';
export { Grid, validateKey, type TenantGridConfig } from './grid.ts';
export { EmbeddedStore, DEFAULT_MAX_VALUE_BYTES, DEFAULT_QUOTA_BYTES, type StoreLimits } from './embedded-store.ts';
export { tensor, type Tensor, type TensorData, type TensorDtype } from './tensor.ts';
export { publishDataset, openDataset, listDatasets, pinDataset, deleteDataset, Dataset, type DatasetInput, type DatasetManifest, type DatasetShard } from './datasets.ts';
export { saveCheckpoint, loadCheckpoint, listCheckpoints, latestCheckpointVersion, deleteCheckpoints, type Checkpoint, type CheckpointInput, type CheckpointManifest, type SaveCheckpointOptions } from './checkpoints.ts';
export * from './errors.ts';
export { tenantGridUsage, type TenantGridUsage } from './usage.ts';
export { connectGrid, createStore, type ConnectOptions } from './connect.ts';
export { loadFashionMnistIntoGrid, fashionMnistColumns, fashionMnistDatasetName, FASHION_MNIST_DATASET } from './fashion-mnist-dataset.ts';
