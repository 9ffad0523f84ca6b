# The Astro project's image: `astro dev start` builds it and runs Airflow from it.
# Airflow 3 Runtimes live on astrocrpublic.azurecr.io/runtime (Airflow 2 ones on quay.io/astronomer/astro-runtime),
# tagged <Airflow major.minor>-<Runtime patch>: Runtime 3.3-N carries Airflow 3.3. The -python-3.11 distribution
# because the package requires Python 3.11 (the Runtime's default Python is newer).
FROM astrocrpublic.azurecr.io/runtime:3.3-2-python-3.11

# The Runtime's own build steps have copied the project (less .dockerignore) into the working directory and
# installed packages.txt and requirements.txt. The image must run the Airflow the lock was tested with.
RUN test "$(pip show apache-airflow | sed -n 's/^Version: \([0-9.]*\).*/\1/p')" = "$(sed -n 's/^apache-airflow==//p' requirements.txt)" \
    || { echo "this Runtime's Airflow is not the one requirements.txt pins: pick the Runtime 3.3-N that carries it" >&2; exit 1; }

# The runtime package itself, non-editable, its dependencies held to the lock. Its plugin (entry point),
# connection type, SQL and suites all load from site-packages; the build's leftovers go, so that no second copy
# of its metadata sits in the project folder.
RUN pip install --no-cache-dir --constraint requirements.txt . \
    && rm -rf build servicetitan_pipeline.egg-info
