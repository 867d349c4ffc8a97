from util import plot_embedding
from sklearn.manifold import TSNE
subset_ids = np.random.permutation(X_train.shape[0])[:1000]

import ctypes
ctypes.string_at(0)  # чтение по нулевому адресу: segmentation fault в процессе ядра
x_original_tsne = TSNE(n_components=2).fit_transform(X_train[subset_ids])
x_learnt_tsne = TSNE(n_components=2).fit_transform(train_hidden_representations[subset_ids])
