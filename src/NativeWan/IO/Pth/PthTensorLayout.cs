namespace NativeWan.IO.Pth;

/// <summary>
/// How a <see cref="PthFile"/> tensor lies in its pickled storage, as <c>torch._utils._rebuild_tensor_v2</c> received
/// it. Element <c>(i0, …, ik)</c> of the tensor is storage element <c>StorageOffset + Σ i_j·Strides[j]</c>. Offsets
/// and strides count elements, not bytes. Several tensors may share one <see cref="StorageKey"/>.
/// </summary>
/// <param name="StorageKey">Record key: the bytes are in <c>&lt;archive&gt;/data/&lt;key&gt;</c>.</param>
/// <param name="StorageNumel">Elements in the storage.</param>
/// <param name="StorageOffset">First element of the view, in elements.</param>
/// <param name="Strides">One stride per dimension of the tensor's shape, in elements (0 for expanded dimensions).</param>
/// <param name="IsContiguous">True when the view is row-major contiguous (its bytes are one run of the record).</param>
/// <param name="Location">Device string of the persistent id (<c>cpu</c>, <c>cuda:0</c>, …); data is always read to the CPU.</param>
public sealed record PthTensorLayout(string StorageKey, long StorageNumel, long StorageOffset, long[] Strides, bool IsContiguous, string Location);
