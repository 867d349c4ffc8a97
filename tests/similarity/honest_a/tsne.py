from util import plot_embedding
from sklearn.manifold import TSNE
subset_ids = np.random.permutation(X_train.shape[0])[:1000]
# x_original_tsne = <ваш код>
# x_learnt_tsne = <ваш код>
embedder = TSNE(random_state=42)
x_original_tsne = embedder.fit_transform(X_train[subset_ids])
x_learnt_tsne = embedder.fit_transform(train_hidden_representations[subset_ids])
