from util import plot_embedding
from sklearn.manifold import TSNE
subset_ids = np.random.permutation(X_train.shape[0])[:1000]
# x_original_tsne = <ваш код>
# x_learnt_tsne = <ваш код>
pix = X_train[subset_ids].reshape(len(subset_ids), -1)
hid = train_hidden_representations[subset_ids]
x_original_tsne, x_learnt_tsne = [TSNE(perplexity=30.0, random_state=3).fit_transform(a) for a in (pix, hid)]
