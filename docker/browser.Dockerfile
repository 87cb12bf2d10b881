# The change browser's image: its runnable jar on a pinned JRE, as an unprivileged user (docker-compose.yml's browser,
# docs/kubernetes.md). Build the jar first (mvn -B -DskipTests package), then from the repository's root:
#   docker build -f docker/browser.Dockerfile -t audit-trail-browser:0.1.0 .
FROM eclipse-temurin:17.0.15_6-jre
COPY browser/target/audit-trail-browser.jar /opt/audit-trail/audit-trail-browser.jar
# the access log's directory, the user's: a volume mounted here first takes its owner from the image
RUN mkdir -p /var/log/audit-trail-browser && chown 10001:10001 /var/log/audit-trail-browser
# the users file and the database's password come as secrets, the keystore from a mounted file; the process owns
# nothing else in the image
USER 10001:10001
ENV BROWSER_ACCESS_LOG=/var/log/audit-trail-browser/access.log
EXPOSE 8090
ENTRYPOINT ["java", "-jar", "/opt/audit-trail/audit-trail-browser.jar"]
