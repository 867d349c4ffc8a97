from util import plot_embedding
from sklearn.manifold import TSNE
subset_ids = np.random.permutation(X_train.shape[0])[:1000]

# ошибка: берутся первые 1000 изображений, а не subset_ids
x_original_tsne = TSNE(n_components=2, random_state=0).fit_transform(X_train[:1000])
x_learnt_tsne = TSNE(n_components=2, random_state=0).fit_transform(train_hidden_representations[:1000])
