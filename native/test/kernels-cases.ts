// The shapes live with the CUDA backend's checks, which share them (check-cases.ts).
export * from '../lib/cuda-backend/check-cases';
